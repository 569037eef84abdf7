"""The library API on the example pictures: load a model, detect, splash, draw.

Runs offline with the small model trained by ``splashseg demo`` (``examples/shapes-small.pt``); pass
``--weights coco`` to use torchvision's COCO model instead (downloaded once into TORCH_HOME).

    python examples/api_example.py [--weights PATH|coco] [--out example-out]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from splashseg import Predictor, color_splash, draw_detections, load_model, read_image, write_image

HERE = Path(__file__).parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", default=str(HERE / "shapes-small.pt"))
    parser.add_argument("--out", type=Path, default=Path("example-out"))
    args = parser.parse_args()

    loaded = load_model(weights=args.weights)  # model name, classes and sizes come from the checkpoint
    predictor = Predictor(loaded.model, loaded.class_names, device="cpu", conf=0.5)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in sorted((HERE / "pictures").glob("*.png")):
        image = read_image(path).rgb  # uint8 [H, W, 3], RGB
        detections = predictor([image])[0]  # boxes [N, 4], labels [N], scores [N], masks [N, H, W], names
        found = ", ".join(f"{n} {s:.2f}" for n, s in zip(detections.names, detections.scores, strict=True))
        print(f"{path.name}: {found or 'nothing'}")
        write_image(args.out / f"{path.stem}-detections.png", draw_detections(image, detections))
        balloons = detections.select([name == "balloon" for name in detections.names])
        write_image(args.out / f"{path.stem}-balloons.png", color_splash(image, balloons.union_mask(), feather=2))
    print(f"wrote {args.out}/")


if __name__ == "__main__":
    main()
