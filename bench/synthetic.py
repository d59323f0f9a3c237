"""Deterministic, transcript-like synthetic corpora (English and Chinese speaker turns).

Real corpora run out before the larger benchmark sizes; the rest is made of earnings-call
style transcripts written here. Each file's content depends only on the seed and its own file
number, so a 10k corpus contains the 1k corpus's synthetic files verbatim and the embedding
cache is reused across sizes and runs. Turns are sized to fit one chunk, and every file is
counted with the real loader and chunker, so the requested chunk count is met exactly or
overshot by at most a few chunks.
"""

from __future__ import annotations

import random
from pathlib import Path

from index.chunking import chunk_document
from index.loaders import load_file

COMPANIES = (
    "Arcadia Semiconductor",
    "Boreal Compute",
    "Cobalt Silicon",
    "Delphi Accelerators",
    "Everest Memory",
    "Fulcrum Foundry",
)
COMPANIES_ZH = ("云岭半导体", "北辰算力", "钴芯科技", "德尔菲加速器", "珠峰存储", "支点晶圆")
SPEAKERS = (
    ("Maria Okafor", "Chief Executive Officer"),
    ("Daniel Reyes", "Chief Financial Officer"),
    ("Priya Natarajan", "Executive Vice President, Data Center"),
    ("Tom Becker", "Analyst"),
    ("Hiroshi Sato", "Analyst"),
)
SPEAKERS_ZH = (("王立新", "首席执行官"), ("陈静", "首席财务官"), ("李明", "分析师"))
TOPICS = (
    "HBM supply",
    "advanced packaging",
    "inference accelerators",
    "training clusters",
    "custom ASICs",
    "networking silicon",
    "gross margin",
    "export controls",
    "2-nanometer ramp",
    "edge AI devices",
    "data center capex",
    "software ecosystem",
)
TOPICS_ZH = (
    "高带宽内存供应",
    "先进封装",
    "推理加速器",
    "训练集群",
    "定制芯片",
    "网络芯片",
    "毛利率",
    "出口管制",
    "两纳米量产",
    "端侧人工智能",
    "数据中心资本开支",
    "软件生态",
)
EN_TEMPLATES = (
    "On {topic}, we saw demand grow about {n} percent sequentially this quarter.",
    "Customers keep asking us for more {topic}, and lead times are now {n} weeks.",
    "We expect {topic} to stay supply constrained through the second half of the year.",
    "Our {topic} roadmap is on track, with first revenue expected in fiscal {year}.",
    "I would not overstate the near-term impact of {topic} on our guidance.",
    "Let me give some color on {topic}: we shipped to {n} new customers in the quarter.",
    "The competitive landscape in {topic} is intense, but our share held at roughly {n} percent.",
    "We are investing ahead of demand in {topic} because the long-term opportunity is large.",
    "Pricing for {topic} was stable, and we do not see a downturn in the next {n} months.",
    "Could you talk about how {topic} affects your outlook for calendar {year}?",
)
ZH_TEMPLATES = (
    "关于{topic}，本季度需求环比增长约百分之{n}。",
    "客户持续向我们追加{topic}的订单，交货周期已经延长到{n}周。",
    "我们预计{topic}在下半年仍将供不应求。",
    "我们在{topic}方面的路线图进展顺利，预计{year}财年开始贡献收入。",
    "我不认为{topic}会对短期指引产生太大影响。",
    "在{topic}领域竞争非常激烈，但我们的份额保持在百分之{n}左右。",
    "我们提前投资{topic}，因为长期机会非常大。",
    "请问{topic}会如何影响贵公司{year}年的展望？",
)
ZH_SHARE = 0.25  # share of turns spoken in Chinese


def _turn(rng: random.Random) -> str:
    """One speaker turn (header line and body) that fits in one chunk."""
    templates: tuple[str, ...]
    if rng.random() < ZH_SHARE:
        name, title = rng.choice(SPEAKERS_ZH)
        topic, templates, sentences, sep = rng.choice(TOPICS_ZH), ZH_TEMPLATES, (3, 6), ""
    else:
        name, title = rng.choice(SPEAKERS)
        topic, templates, sentences, sep = rng.choice(TOPICS), EN_TEMPLATES, (3, 5), " "
    picked = rng.sample(templates, rng.randint(*sentences))
    body = sep.join(
        t.format(topic=topic, n=rng.randint(2, 60), year=rng.randint(2024, 2027)) for t in picked
    )
    return f"{name} -- {title}\n{body}\n"


def _transcript(seed: int, number: int, turns: int) -> str:
    rng = random.Random(seed * 100_003 + number)
    company = rng.choice(COMPANIES)
    zh_company = COMPANIES_ZH[COMPANIES.index(company)]
    quarter, year = rng.randint(1, 4), rng.randint(2023, 2026)
    head = (
        f"{company} ({zh_company}) Q{quarter} {year} Earnings Call\n"
        f"{year}-{3 * quarter:02d}-15\n\nPrepared Remarks:\n\n"
    )
    return head + "\n".join(_turn(rng) for _ in range(turns))


def count_chunks(path: Path) -> int:
    """Chunks the real loader and chunker make of one file."""
    docs = load_file(path, source_id="bench", overrides={"doc_key": path.name})
    return sum(len(chunk_document(doc)) for doc in docs)


def write_synthetic(folder: Path, chunks: int, seed: int = 7, turns_per_file: int = 60) -> int:
    """Write transcripts into ``folder`` until they hold at least ``chunks`` chunks; returns
    the real count."""
    folder.mkdir(parents=True, exist_ok=True)
    total, number = 0, 0
    while total < chunks:
        turns = min(turns_per_file, chunks - total)
        path = folder / f"synthetic_{number:04d}.txt"
        path.write_text(_transcript(seed, number, turns), encoding="utf-8")
        total += count_chunks(path)
        number += 1
    return total


def synthetic_questions(seed: int, n: int) -> list[str]:
    """Questions about the synthetic corpus (for latency when no real question set exists)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if i % 4 == 3:
            out.append(f"{rng.choice(COMPANIES_ZH)}对{rng.choice(TOPICS_ZH)}有什么看法？")
        else:
            name = rng.choice(SPEAKERS)[0]
            out.append(f"What did {name} say about {rng.choice(TOPICS)}?")
    return out
