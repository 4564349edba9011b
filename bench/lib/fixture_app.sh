# Sourced by bench scripts that run an app over the third-party fixtures in
# $WIRT_SHARED_DIR/fixtures/wippy (default: ../shared beside the checkout).
# fixture_app TITLE APP_DIR TEMPLATE FILES...: writes TEMPLATE (with @FIXTURES@ replaced) as
# APP_DIR/_index.yaml, copies FILES beside it and compiles the app (tier 2 into the cache, so
# the measurement sees steady state). Returns 1 after printing a skip notice when the fixtures
# are absent. Needs WIRT and ROOT set.
fixture_app() {
  local title=$1 app=$2 template=$3
  shift 3
  local fix
  fix=$(realpath -m "${WIRT_SHARED_DIR:-$ROOT/../shared}/fixtures/wippy")
  if [ ! -f "$fix/minimal.wasm" ]; then
    echo "## $title: skipped (fixtures not found at $fix; set WIRT_SHARED_DIR)"
    return 1
  fi
  mkdir -p "$app"
  sed "s|@FIXTURES@|$fix|" "$template" > "$app/_index.yaml"
  cp "$@" "$app/"
  "$WIRT" compile -a "$app" >/dev/null
}
