"""Build this repository's sample site into public/ (same as `sitegen build`); extra arguments pass through."""
import sys, pathlib; from sitegen.cli import main  # noqa: E401
sys.exit(main(["--site", str(pathlib.Path(__file__).parent), "build", *sys.argv[1:]]))
