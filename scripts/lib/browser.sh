# Makes sure the browser tests can run: Chromium and its driver from Debian's packages, selenium and pytest
# from PyPI. Installs only what is missing.

ensure_browser_tools() {
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    echo "Installing Chromium and chromium-driver from Debian's packages" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
  fi
  if ! python3 -c "import selenium, pytest" >/dev/null 2>&1; then
    echo "Installing selenium and pytest from PyPI" >&2
    python3 -m pip install -q --disable-pip-version-check selenium pytest
  fi
}
