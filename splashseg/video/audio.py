"""Carrying a video's audio streams into the output: copied packet for packet, or re-encoded.

Audio is read by a second demuxer on the input file, so it can be interleaved with the video as the
video is written (:meth:`AudioCarrier.write_until`) without holding either in memory. A stream is
copied unchanged (no re-encoding, no quality loss) when the output container can hold its codec, and
re-encoded otherwise: to AAC (for example PCM from a MOV/AVI into MP4), to Opus for WebM (which holds
only Opus and Vorbis); :attr:`AudioCarrier.notes` says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

_MP4_AUDIO = frozenset({"aac", "mp3", "ac3", "eac3", "opus", "alac", "flac"})
_PCM = frozenset({"pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be", "pcm_s32le", "pcm_f32le", "pcm_u8"})
# audio codecs each output container holds as they are; None: anything FFmpeg can mux
COPYABLE_AUDIO: dict[str, frozenset[str] | None] = {
    "mp4": _MP4_AUDIO,
    "mov": _MP4_AUDIO | _PCM,
    "matroska": None,
    "webm": frozenset({"opus", "vorbis"}),
}
FALLBACK_AUDIO_CODEC = "aac"
FALLBACK_BY_CONTAINER = {"webm": "libopus"}  # else FALLBACK_AUDIO_CODEC
_CODEC_NAMES = {"aac": "AAC", "libopus": "Opus"}
_OPUS_RATES = (48000, 24000, 16000, 12000, 8000)  # the only rates Opus encodes; others resample to 48 kHz
_DEFAULT_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}  # for inputs that give only a channel count (AVI)


@dataclass
class _Track:
    """One input audio stream and its output stream; ``encode`` when re-encoding, else copying."""

    source: av.audio.stream.AudioStream
    target: av.audio.stream.AudioStream
    encode: bool


def can_copy(codec: str, container: str) -> bool:
    """Whether ``container`` (an FFmpeg muxer name from :data:`COPYABLE_AUDIO`) holds ``codec`` as is."""
    allowed = COPYABLE_AUDIO.get(container, _MP4_AUDIO)
    return allowed is None or codec in allowed


def encoder_layout(layout: av.AudioLayout) -> av.AudioLayout | str:
    """``layout``, or a named one for its channel count where the input names no channels (PCM in AVI
    says only "1 channels", which encoders refuse); stereo when no named layout fits."""
    if all(channel.name != "NONE" for channel in layout.channels):
        return layout
    return _DEFAULT_LAYOUTS.get(layout.nb_channels, "stereo")


class AudioCarrier:
    """Add one output stream per input audio stream to ``output``; then feed packets in time order.

    Create it before the first packet is muxed (streams must exist before the header is written).
    """

    def __init__(self, source_path: Path, output: av.container.OutputContainer, container: str, *,
                 shift_s: Fraction = Fraction(0)) -> None:
        self.notes: list[str] = []
        self.shift_s = shift_s  # seconds added to every timestamp (as to the video's)
        self.input = av.open(str(source_path), mode="r")
        self.tracks: dict[int, _Track] = {}
        for stream in self.input.streams.audio:
            self.tracks[stream.index] = self._add_track(stream, output, container)
        self.output = output
        self._packets = self._demux() if self.tracks else iter(())
        self._pending: av.Packet | None = None

    def _add_track(self, stream: av.audio.stream.AudioStream, output: av.container.OutputContainer,
                   container: str) -> _Track:
        codec = stream.codec_context.name
        if can_copy(codec, container):
            return _Track(stream, output.add_stream_from_template(stream), encode=False)
        encoder = FALLBACK_BY_CONTAINER.get(container, FALLBACK_AUDIO_CODEC)
        self.notes.append(f"audio stream #{stream.index} ({codec}) cannot go into {container} as is: "
                          f"re-encoded to {_CODEC_NAMES.get(encoder, encoder)}")
        rate = stream.codec_context.sample_rate
        if encoder == "libopus" and rate not in _OPUS_RATES:
            rate = _OPUS_RATES[0]
        target = output.add_stream(encoder, rate=rate)
        target.codec_context.layout = encoder_layout(stream.codec_context.layout)
        return _Track(stream, target, encode=True)

    def _demux(self) -> Iterator[av.Packet]:
        try:
            yield from self.input.demux(*(t.source for t in self.tracks.values()))
        except av.FFmpegError as exc:
            self.notes.append(f"audio ends early (the input breaks off: {exc.strerror or exc})")

    def write_until(self, seconds: float | None) -> None:
        """Mux every audio packet that starts before ``seconds`` (all that remain when ``None``)."""
        while True:
            packet = self._pending or next(self._packets, None)
            self._pending = None
            if packet is None:
                return
            when = packet.pts if packet.pts is not None else packet.dts
            if seconds is not None and when is not None and float(when * packet.time_base) > seconds:
                self._pending = packet
                return
            self._mux(packet)

    def _mux(self, packet: av.Packet) -> None:
        track = self.tracks[packet.stream.index]
        if not track.encode:
            if packet.dts is None and packet.size == 0:  # the demuxer's end-of-stream flush marker
                return
            self._shift(packet)
            packet.stream = track.target
            self.output.mux(packet)
            return
        try:
            frames = packet.decode()
        except av.FFmpegError:
            return  # one damaged audio packet: a short gap rather than a failed video
        for frame in frames:
            self._shift(frame)
            self.output.mux(track.target.encode(frame))

    def _shift(self, item: av.Packet | av.AudioFrame) -> None:
        """Add :attr:`shift_s` to a packet's pts and dts, or a frame's pts (in their own time base)."""
        if not self.shift_s or item.time_base is None:
            return
        ticks = round(self.shift_s / item.time_base)
        if item.pts is not None:
            item.pts += ticks
        if isinstance(item, av.Packet) and item.dts is not None:
            item.dts += ticks

    def finish(self) -> None:
        """Mux what is left, flush the AAC encoders, close the second demuxer."""
        self.write_until(None)
        for track in self.tracks.values():
            if track.encode:
                self.output.mux(track.target.encode(None))
        self.close()

    def close(self) -> None:
        self.input.close()
