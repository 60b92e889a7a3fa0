# The opcoord image: the app and what WeasyPrint needs to lay out the report's PDF,
# run by a user without privileges. Everything is installed when the image is built;
# nothing is installed when a container starts. compose.yaml builds and runs it.

# Build the wheel in a stage of its own: the final image carries no build tools.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY frontend ./frontend
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
# WeasyPrint loads these at run time: GObject (libglib2.0-0), Pango with its FreeType
# back end, HarfBuzz and its subsetter (for embedding fonts), and fontconfig; DejaVu
# gives the PDF glyphs for every language of the pages, Cyrillic included.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libglib2.0-0 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        libfontconfig1 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels

# The home folder is the only one it writes to (matplotlib's and fontconfig's caches;
# the admin token file on a first start without OPCOORD_ADMIN_TOKEN).
RUN useradd --system --user-group --uid 10001 --create-home --home-dir /var/lib/opcoord opcoord
USER opcoord
WORKDIR /var/lib/opcoord
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    OPCOORD_LOG_FORMAT=json
EXPOSE 8000
CMD ["opcoord", "serve", "--host", "0.0.0.0", "--port", "8000"]
