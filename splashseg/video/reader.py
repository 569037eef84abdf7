"""Decoding a video file with PyAV: its metadata, and its frames as RGB arrays in display order.

Every frame that leaves this module is ``uint8`` ``[H, W, 3]`` **RGB**, exactly as stored (the display
matrix is *not* applied: :attr:`VideoInfo.rotation` says how a player turns it). Timestamps are the
input's own (``pts`` in ``time_base``), so variable frame rate survives; they are put back in increasing
order where the container stores none and a B-frame decoder scrambles them (H.264 in AVI). Frames that
fail to decode are counted, not fatal: a damaged or truncated file yields every frame that decodes.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..errors import InputError

MAX_CONSECUTIVE_ERRORS = 100  # give up on a stream that is garbage from here on
REORDER_WINDOW = 16  # frames held to sort B-frame timestamps (H.264/HEVC hold at most 16 for reordering)
MAX_FRAME_PIXELS = 8192 * 8192  # larger frames (8K is 7680x4320) would exhaust memory in the queues


@dataclass
class DecodedFrame:
    """One decoded frame: ``rgb`` uint8 [H, W, 3] RGB; ``pts`` in ``time_base`` units; ``duration`` too."""

    index: int
    rgb: np.ndarray
    pts: int
    duration: int


@dataclass
class VideoInfo:
    """What the output must reproduce about the input's video stream.

    width/height: stored size in pixels (before rotation). rotation: display-matrix angle in degrees,
    counter-clockwise (PyAV's ``VideoFrame.rotation``), 0 when none. frames: the header's frame count
    (may be 0 or wrong); duration_s: the stated duration in seconds (None when unknown), of the video
    stream itself when ``duration_is_video``, else of the whole container; ``duration_from_stream`` is
    False when it is the container's (FLV's metadata counts a positive start in it, others do not).
    start_s: the video stream's first timestamp in seconds; shift_s: seconds to add to every output
    timestamp (video and audio alike) so that none is negative (0 unless the input starts before 0).
    colorspace/color_range/color_primaries/color_trc: FFmpeg enum values of the first frame.
    """

    path: Path
    container: str
    codec: str
    width: int
    height: int
    time_base: Fraction
    rate: Fraction | None
    frames: int
    duration_s: float | None
    start_s: float
    rotation: int
    duration_is_video: bool = True
    duration_from_stream: bool = True
    shift_s: Fraction = Fraction(0)
    colorspace: int = 2
    color_range: int = 0
    color_primaries: int = 2
    color_trc: int = 2
    other_streams: list[str] = field(default_factory=list)

    @property
    def expected_frames(self) -> int | None:
        """Best guess of the frame count for a progress bar: header count, else duration x rate."""
        if self.frames > 0:
            return self.frames
        if self.duration_s and self.rate:
            return max(1, round(self.duration_s * float(self.rate)))
        return None


@dataclass
class DecodeStats:
    """Filled in while decoding: packets read, frames decoded, packets that failed, whether it broke off."""

    packets: int = 0
    decoded: int = 0
    errors: int = 0
    broke_off: str | None = None
    end_s: float | None = None


def open_video(path: Path) -> av.container.InputContainer:
    """Open ``path`` for reading; :class:`InputError` (exit 2) for a missing file or not a media file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        return av.open(str(path), mode="r")
    except av.FFmpegError as exc:
        raise InputError(f"{path}: not a video FFmpeg can read ({_reason(exc)})") from None


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc).splitlines()[0]


def _stream_list(container: av.container.InputContainer) -> str:
    """``audio aac, subtitle subrip``: each stream's type and codec."""
    return ", ".join(f"{s.type} {s.codec_context.name if s.codec_context else 'unknown'}"
                     for s in container.streams)


class VideoReader:
    """Decode the first video stream of a file; iterate :meth:`frames` once.

    Opening decodes the first frame, so an unsupported codec or a stream with no decodable picture is an
    :class:`InputError` here and not half-way through the work.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.container = open_video(self.path)
        if not self.container.streams.video:
            streams = _stream_list(self.container)  # before close(), which empties the list
            self.close()
            raise InputError(f"{self.path}: no video stream (streams: {streams or 'none'})")
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        self._check_size(self.stream.codec_context.width, self.stream.codec_context.height)
        self.stats = DecodeStats()
        self._packets = self._decode_all()
        self._first = self._first_frame()
        self._check_size(self._first.width, self._first.height)
        self.info = self._make_info(self._first)

    def _check_size(self, width: int, height: int) -> None:
        """InputError for a frame size no machine could queue (a few frames of it would fill the memory)."""
        if width * height > MAX_FRAME_PIXELS:
            self.close()
            raise InputError(f"{self.path}: video frames of {width}x{height} pixels are too large "
                             f"(at most {MAX_FRAME_PIXELS:,} pixels, e.g. 8192x8192)")

    def _first_frame(self) -> av.VideoFrame:
        codec = self.stream.codec_context.name if self.stream.codec_context else "unknown"
        try:
            return next(self._packets)
        except StopIteration:
            self.close()
            if not self.stats.packets:
                raise InputError(f"{self.path}: the video stream ({codec}) holds no frames") from None
            raise InputError(f"{self.path}: no frame of the video stream ({codec}) could be decoded; "
                             "unsupported codec or damaged file") from None

    def _make_info(self, first: av.VideoFrame) -> VideoInfo:
        stream, container = self.stream, self.container
        others = [f"#{s.index} {s.type} ({s.codec_context.name if s.codec_context else '?'})"
                  for s in container.streams if s.type not in ("video", "audio")]
        others += [f"#{s.index} extra video ({s.codec_context.name})" for s in container.streams.video[1:]]
        return VideoInfo(
            path=self.path, container=container.format.name, codec=stream.codec_context.name,
            width=first.width, height=first.height, time_base=stream.time_base or Fraction(1, 90000),
            rate=stream.average_rate or stream.guessed_rate, frames=int(stream.frames or 0),
            **self._timing(), rotation=int(round(first.rotation or 0)), colorspace=int(first.colorspace),
            color_range=int(first.color_range), color_primaries=int(stream.codec_context.color_primaries),
            color_trc=int(stream.codec_context.color_trc), other_streams=others)

    def _timing(self) -> dict[str, object]:
        """duration_s, duration_is_video, duration_from_stream, start_s and shift_s for :class:`VideoInfo`."""
        stream, container = self.stream, self.container
        duration_s = float(container.duration / av.time_base) if container.duration else None
        # a container's duration covers its longest stream: trust it for the video only without audio
        duration_is_video, from_stream = not container.streams.audio, False
        if stream.duration and stream.time_base:
            duration_s, duration_is_video, from_stream = float(stream.duration * stream.time_base), True, True
        start = Fraction(stream.start_time or 0) * (stream.time_base or 0)
        earliest = min(start, Fraction(container.start_time or 0, av.time_base))
        return {"duration_s": duration_s, "duration_is_video": duration_is_video,
                "duration_from_stream": from_stream, "start_s": float(start), "shift_s": max(-earliest, Fraction(0))}

    def _decode_all(self) -> Iterator[av.VideoFrame]:
        """Decode packet by packet; count failures instead of raising; flush the decoder at the end."""
        consecutive = 0
        packets = self.container.demux(self.stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.FFmpegError as exc:
                self.stats.broke_off = _reason(exc)
                packet = None
            if packet is not None and packet.size:
                self.stats.packets += 1
            try:
                frames = packet.decode() if packet is not None else self.stream.decode(None)
            except av.FFmpegError:
                self.stats.errors += 1
                consecutive += 1
                if consecutive > MAX_CONSECUTIVE_ERRORS:
                    self.stats.broke_off = f"{consecutive} packets in a row failed to decode"
                    return
                continue
            consecutive = 0
            yield from frames
            if packet is None:
                return

    def frames(self) -> Iterator[DecodedFrame]:
        """Yield every decodable frame as RGB uint8 [H, W, 3] with its own pts; see :attr:`stats`."""
        step = self._default_step()
        last_pts: int | None = None
        for frame, pts in self._presentation_times():
            if pts is None:
                pts = last_pts + step if last_pts is not None else 0
            if last_pts is not None and pts <= last_pts:  # encoders need strictly increasing pts
                pts = last_pts + 1
            duration = int(frame.duration or 0) or step
            yield DecodedFrame(self.stats.decoded, self._to_rgb(frame), int(pts), duration)
            self.stats.decoded += 1
            self.stats.end_s = float((pts + duration) * self.info.time_base)
            last_pts = pts

    def _presentation_times(self) -> Iterator[tuple[av.VideoFrame, int | None]]:
        """Each frame as decoded (display order) with its presentation timestamp (None when it has none).

        Where the container stores no presentation times (AVI), a decoder that reorders B-frames hands
        out the times in decoding order (1, 3, 4, 2, ...): the k-th frame is shown at the k-th smallest
        time of the frames held in a window. Timestamps already in order pass through unchanged.
        """
        window = REORDER_WINDOW if self.stream.codec_context.reorder_depth else 0
        held: deque[av.VideoFrame] = deque()
        times: list[int] = []  # min-heap of the held frames' timestamps
        frame: av.VideoFrame | None = self._first
        while frame is not None or held:
            if frame is not None:
                held.append(frame)
                if frame.pts is not None:
                    heapq.heappush(times, frame.pts)
                frame = next(self._packets, None)
            if len(held) > window or (frame is None and held):
                oldest = held.popleft()
                yield oldest, heapq.heappop(times) if oldest.pts is not None else None

    def _to_rgb(self, frame: av.VideoFrame) -> np.ndarray:
        if frame.width != self.info.width or frame.height != self.info.height:  # mid-stream size change
            return frame.to_ndarray(format="rgb24", width=self.info.width, height=self.info.height)
        return frame.to_ndarray(format="rgb24")

    def _default_step(self) -> int:
        """One frame interval in ``time_base`` units (1 when the rate is unknown)."""
        rate, tb = self.info.rate, self.info.time_base
        return max(1, round(1 / (rate * tb))) if rate else 1

    def lost_frames(self) -> int:
        """Frames the file promised but that did not decode (0 when the stream ran to its stated end).

        When the file is damaged (packets failed) or cut short (the last frame ends >= 2 frames before
        the stated duration), the loss is the largest of: failed packets, the header's frame count less
        the frames decoded, and the frames missing at the end. The header's count matters in a cut file
        with B-frames: the frames lost with the cut are not all at the end in display order (a B-frame
        whose packet was cut is shown before the last P-frame that decoded), so the time alone misses them.
        An intact file whose header claims more frames than it holds loses nothing (a note says so).
        """
        info, stats = self.info, self.stats
        missing_by_time = 0
        if info.duration_s and info.duration_is_video and stats.end_s is not None and info.rate:
            # a container's duration may count a positive start or not (FLV does): read it the lenient way
            start = info.start_s if info.duration_from_stream else min(info.start_s, 0.0)
            shortfall = start + info.duration_s - stats.end_s
            missing_by_time = max(0, round(shortfall * float(info.rate)))
            missing_by_time = missing_by_time if missing_by_time >= 2 else 0
        if stats.errors or stats.broke_off or missing_by_time:
            by_header = max(0, info.frames - stats.decoded) if info.frames else 0
            return max(stats.errors, by_header, missing_by_time)
        return 0

    def close(self) -> None:
        self.container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
