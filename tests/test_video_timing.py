"""Timestamps and stream facts that must survive odd inputs: B-frames in AVI, a start before 0, FLV's
duration, duplicated times, an empty video stream, no video stream, frames too large to queue."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from video_samples import decoded_times, read_back, write_bframe_avi, write_video

from splashseg.errors import InputError
from splashseg.video import process_video


def keep_all(frames):
    return [np.ones(frame.shape[:2], bool) for frame in frames]


def unchanged(frame, result):
    return frame


def first_audio_s(path) -> float:
    """When the first decoded audio sample plays, in seconds (an encoder's priming is skipped)."""
    with av.open(str(path)) as container:
        frame = next(container.decode(audio=0))
        return float(frame.pts * frame.time_base)


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_bframe_avi_frame_k_shown_at_kth_presentation_time(tmp_path, suffix):
    source = write_bframe_avi(tmp_path / "camera.avi", frames=20, rate=10)
    times = decoded_times(source)
    assert times != sorted(times)  # the decoder hands out times in decoding order: 0.1, 0.3, 0.4, 0.2, ...
    target = tmp_path / f"out{suffix}"
    report = process_video(source, target, keep_all, unchanged)
    out = read_back(target)
    assert report.frames == len(out.frames) == 20 and report.lost_frames == 0
    assert out.times == [round(t, 4) for t in sorted(times)]  # frame k at the input's k-th time
    blue = [int(np.median(frame[8:-8, 8:-8, 2])) for frame in out.frames]  # encodes the frame index
    assert blue == sorted(blue) and len(set(blue)) == 20
    # picture and sound keep the input's offset: audio starts where it started, frame 0 at 0.1 s
    assert first_audio_s(target) == pytest.approx(first_audio_s(source), abs=0.002)
    # AVI's PCM names no channel layout ("1 channels"): the AAC encoder for MP4 needs one
    assert out.audio[0]["codec"] == ("aac" if suffix == ".mp4" else "pcm_s16le")
    assert out.audio[0]["seconds"] == pytest.approx(2.0, abs=0.07)


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", ".mov"])
def test_start_before_zero_is_shifted_with_its_audio(tmp_path, suffix):
    ms = [-200, -160, -120, -80, -40, 0, 40, 80]
    source = write_video(tmp_path / "broadcast.ts", times_ms=ms, options={"avoid_negative_ts": "disabled"})
    assert decoded_times(source)[0] == pytest.approx(-0.2)
    target = tmp_path / f"out{suffix}"
    report = process_video(source, target, keep_all, unchanged)
    out = read_back(target)  # MP4 hid the 5 frames before 0; Matroska lost their timestamps
    assert report.frames == len(out.frames) == 8
    assert out.times == [round((t + 200) / 1000, 4) for t in ms]
    lead = first_audio_s(source) - decoded_times(source)[0]  # audio against the first frame
    assert first_audio_s(target) - out.times[0] == pytest.approx(lead, abs=0.002)


def test_flv_with_bframes_reports_no_lost_frames(tmp_path):
    source = write_video(tmp_path / "stream.flv", frames=20, audio=None,
                         codec_options={"preset": "ultrafast", "bf": "2"})
    assert decoded_times(source)[0] > 0  # B-frames delay FLV's first timestamp; its duration counts it
    report = process_video(source, tmp_path / "out.mp4", keep_all, unchanged)
    assert (report.frames, report.lost_frames, report.warnings) == (20, 0, [])


def test_duplicated_timestamps_keep_every_frame_in_order(tmp_path):
    ms = [0, 40, 40, 80, 120, 120, 160, 200]
    source = write_video(tmp_path / "dup.mkv", times_ms=ms)
    process_video(source, tmp_path / "out.mp4", keep_all, unchanged)
    out = read_back(tmp_path / "out.mp4")
    assert len(out.frames) == 8 and all(b > a for a, b in zip(out.times, out.times[1:], strict=False))
    assert out.times == pytest.approx([t / 1000 for t in ms], abs=0.0011)  # a duplicate moves by 1 ms
    blue = [int(np.median(frame[8:-8, 8:-8, 2])) for frame in out.frames]
    assert blue == sorted(blue)


def test_video_stream_without_frames(tmp_path):
    path = tmp_path / "empty-video.mkv"
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264")
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = out.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 16000, 0
        out.mux(sound.encode(frame))
        out.mux(sound.encode(None))
    with pytest.raises(InputError, match=r"empty-video.mkv: the video stream \(h264\) holds no frames"):
        process_video(path, tmp_path / "out.mp4", keep_all, unchanged)


def test_video_command_on_audio_only_file_names_its_stream(tmp_path):
    from click.testing import CliRunner

    from splashseg.cli import main

    path = write_video(tmp_path / "song.mp4", frames=3)  # then keep only its audio
    with av.open(str(path)) as source, av.open(str(tmp_path / "song.m4a"), "w") as out:
        stream = out.add_stream_from_template(source.streams.audio[0])
        for packet in source.demux(source.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    result = CliRunner().invoke(main, ["video", str(tmp_path / "song.m4a"), "--out", str(tmp_path / "o.mp4"),
                                       "--weights", "none", "--device", "cpu"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "song.m4a: no video stream (streams: audio aac)" in result.output


def test_subtitles_named_mp4_lists_its_streams(tmp_path):
    path = tmp_path / "captions.mp4"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n\n")
    with pytest.raises(InputError, match=r"captions.mp4: no video stream \(streams: subtitle srt\)"):
        process_video(path, tmp_path / "out.mp4", keep_all, unchanged)


def test_frames_too_large_to_queue_are_refused_before_decoding(tmp_path):
    path = tmp_path / "huge.nut"
    with av.open(str(path), "w", format="nut") as out:  # a header claiming 9000x9000, a few bytes of data
        video = out.add_stream("rawvideo", rate=10)
        video.width, video.height, video.pix_fmt = 9000, 9000, "gray"
        for index in range(3):
            packet = av.Packet(bytes(1000))
            packet.stream, packet.pts, packet.dts, packet.time_base = video, index, index, Fraction(1, 10)
            out.mux(packet)
    with pytest.raises(InputError, match=r"huge.nut: video frames of 9000x9000 pixels are too large"):
        process_video(path, tmp_path / "out.mp4", keep_all, unchanged)
    assert not (tmp_path / "out.mp4").exists()
