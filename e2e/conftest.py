import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("DARKROOM_CORPUS", ROOT.parent / "shared" / "corpus"))
OUTPUT = Path(os.environ.get("DARKROOM_TEST_OUTPUT", ROOT / "test-output"))


@pytest.fixture(scope="session")
def output_dir():
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


@pytest.fixture(scope="session")
def photos(tmp_path_factory):
    """Two real photos: the benchmark corpus when it is here, else two generated ones."""
    bench = CORPUS / "bench"
    found = sorted(bench.glob("*.jpg"))[:2] if bench.is_dir() else []
    if len(found) == 2:
        return found
    from PIL import Image, ImageDraw

    folder = tmp_path_factory.mktemp("photos")
    made = []
    for index, size in enumerate([(1600, 1200), (1200, 1600)]):
        image = Image.new("RGB", size, (30 + 80 * index, 90, 160))
        draw = ImageDraw.Draw(image)
        for step in range(0, size[0], 40):
            draw.line([(step, 0), (size[0] - step, size[1])], fill=(255, 200 - step % 200, step % 255), width=6)
        path = folder / f"generated-{index + 1}.jpg"
        image.save(path, quality=90)
        made.append(path)
    print(f"note: {bench} is missing, so the browser tests use generated photos")
    return made
