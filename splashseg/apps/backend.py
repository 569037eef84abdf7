"""The backend record of a job: where its arrays live and the pieces that work there, chosen once.

A job (``detect``, ``splash``, ``video``) calls :func:`build_backend` once, after loading the model, and
from then on hands the record's parts down: nothing below ``apps/`` chooses a backend or checks an array
type. Every choice keys on :func:`splashseg.device.device_kind`.

- pictures: frames (pictures) stay NumPy on the host; ``predict`` gives host ``Detections``; with
  ``--refine`` the refiner runs where the model runs (torch on its GPU, NumPy/OpenCV on the CPU).
- video: a splash with a CUDA model keeps its frames as torch ``uint8 [H, W, 3]`` tensors on that GPU
  (``frames_on_model=True``): ``predict`` gives ``DeviceDetections`` there, the refiner, compositor and
  frame transfer are the torch ones. Anything else is the host's. The tracker cuts every mask to the box
  around its object, so video asks for ``crops``: ``predict`` gives host ``CroppedDetections`` and no mask
  is ever pasted into a whole frame (unless ``--refine``, which works on whole soft masks).

The inference *runtime* (``--runtime``: torch, or OpenVINO on a CPU) is resolved with the device when the
predictor is built (:func:`splashseg.predict.build_predictor`, which applies it to the model once); the
record carries its label.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from ..device import device_kind
from ..predict import Predictor, picture_predict, refining
from ..predict.refined import Refiner
from ..render import SplashStyle, build_compositor, build_refiner
from ..render.compositor import Compositor

if TYPE_CHECKING:  # video/ (PyAV, SciPy) loads only when a video job asks for a transfer: not for pictures
    from ..video.transfer import FrameTransfer

Predict = Callable[[Sequence[Any]], Sequence[Any]]


@dataclass(frozen=True)
class Backend:
    """One job's backend. device: where frames live (None: NumPy on the host; a CUDA ``torch.device``:
    torch tensors there). predict: frames RGB ``uint8 [H, W, 3]`` of that backend -> detections of that
    backend (host ``Detections`` for None), refined with ``refiner`` when the job refines. runtime: the
    inference runtime's label (``"torch-fp32"``, ``"openvino-bf16"``, ...)."""

    device: Any
    predict: Predict
    refiner: Refiner | None
    runtime: str = "torch-fp32"

    def compositor(self, style: SplashStyle) -> Compositor:
        """The compositor for this backend's frames (:class:`~splashseg.render.HostCompositor` on the host)."""
        return build_compositor(style, self.device)

    def transfer(self, quarter_turns: int) -> FrameTransfer:
        """Decoded NumPy frames -> this backend and back (turned upright by ``quarter_turns``)."""
        from ..video.transfer import build_transfer

        return build_transfer(self.device, quarter_turns)


def build_backend(predictor: Predictor, *, refine: bool = False, frames_on_model: bool = False,
                  crops: bool = False) -> Backend:
    """The backend of a job with ``predictor``: frames on the model's device when ``frames_on_model`` and
    that device is a GPU, else on the host. ``refine``: the predictor must keep soft masks. ``crops``:
    ``predict`` gives host ``CroppedDetections`` (each mask around its object) unless the job refines."""
    model_device = predictor.device
    on_gpu = frames_on_model and device_kind(model_device) == "cuda"
    refiner = build_refiner(model_device) if refine else None
    crops = crops and refiner is None
    if not on_gpu:  # NumPy frames; a refiner on the GPU gets the model's tensors and returns host arrays
        predict = partial(predictor, crops=True) if crops else picture_predict(predictor, refiner)
        return Backend(None, predict, refiner, predictor.runtime_label)
    predict: Predict = _tensor_predict(predictor, crops)
    if refiner is not None:
        predict = refining(predict, refiner, predictor.mask_threshold)
    return Backend(model_device, predict, refiner, predictor.runtime_label)


def _tensor_predict(predictor: Predictor, crops: bool = False) -> Predict:
    """Torch RGB ``uint8 [H, W, 3]`` frames on the model's device -> :class:`DeviceDetections` there (host
    ``CroppedDetections`` with ``crops``)."""

    def predict(frames: Sequence[Any]) -> list[Any]:
        return predictor.predict_tensors([frame.permute(2, 0, 1) for frame in frames], crops=crops)  # [3, H, W]

    return predict
