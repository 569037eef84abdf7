"""The pipeline's threads: decode -> work (predict and render) -> the calling thread (encode), joined by
bounded queues. A failure in a thread is carried to the calling thread and raised there; ``stop`` ends
every loop (Ctrl-C, an error elsewhere)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from .reader import DecodedFrame, VideoReader
from .stages import NO_CLOCK

END = object()
_POLL_S = 0.1


class Failure:
    """An exception raised in a worker thread, carried to the calling thread."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def put(box: queue.Queue, item: Any, stop: threading.Event) -> bool:
    """Put unless ``stop`` is set; False when stopped."""
    while not stop.is_set():
        try:
            box.put(item, timeout=_POLL_S)
            return True
        except queue.Full:
            continue
    return False


def drain(box: queue.Queue, stop: threading.Event) -> Iterator[Any]:
    """Yield items until the end marker; re-raise a carried failure; stop quietly when asked."""
    while not stop.is_set():
        try:
            item = box.get(timeout=_POLL_S)
        except queue.Empty:
            continue
        if item is END:
            return
        if isinstance(item, Failure):
            raise item.exc
        yield item


def decode_loop(reader: VideoReader, inbox: queue.Queue, stop: threading.Event, clock: Any = NO_CLOCK) -> None:
    """Decode every frame into ``inbox`` (then :data:`END`); ``clock``: where the decoding seconds go."""
    try:
        frames = reader.frames()
        while True:
            with clock("decode"):
                frame = next(frames, None)
            if frame is None:
                break
            if not put(inbox, frame, stop):
                return
        put(inbox, END, stop)
    except BaseException as exc:  # noqa: BLE001 - carried to the calling thread
        put(inbox, Failure(exc), stop)


def run_threads(reader: VideoReader, infer: Any, sink: Callable[[DecodedFrame], None],
                options: Any, progress: Callable[[int, int | None], None] | None) -> None:
    """Decode in one thread, ``infer.run`` in another, ``sink`` every frame it passes on here, in order;
    ``options``: the pipeline's (batch_size, stride, queue_batches) size the queues; its ``clock`` times
    the decoding."""
    depth = max(4, options.queue_batches * options.batch_size)
    inbox: queue.Queue = queue.Queue(maxsize=depth * options.stride)
    outbox: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    threads = [threading.Thread(target=decode_loop, args=(reader, inbox, stop, options.clock), daemon=True),
               threading.Thread(target=infer.run, args=(inbox, outbox, stop), daemon=True)]
    expected = reader.info.expected_frames
    try:  # started inside the try: an interrupt right after a start must still stop and join them
        for thread in threads:
            thread.start()
        for done, frame in enumerate(drain(outbox, stop), start=1):
            sink(frame)
            if progress is not None:
                progress(done, expected if expected and expected >= done else None)
    finally:
        stop.set()
        for thread in threads:
            if thread.ident is not None:  # started (the reader must not be closed under a running one)
                thread.join(timeout=60)
