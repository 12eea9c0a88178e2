"""Phone-camera degradations of a clean render: motion blur, sensor noise, JPEG compression."""

from __future__ import annotations

import numpy as np


def apply_realism(frame_bgr: np.ndarray, rng: np.random.Generator, noise_sigma: float = 0.0,
                  blur_px: float = 0.0, jpeg_quality: int | None = None) -> np.ndarray:
    """Degrade a clean render the way a phone camera does, so tests do not only see perfect pixels.

    blur_px: length of a straight motion-blur streak in a random direction; noise_sigma:
    Gaussian sensor noise in grey levels; jpeg_quality: re-encode as JPEG (1-100), as video
    compression does. Applied in that order, all driven by ``rng`` so a clip is reproducible.
    """
    import cv2

    out = np.asarray(frame_bgr, dtype=np.uint8)
    if blur_px > 0:
        size = 2 * int(np.ceil(blur_px / 2)) + 1
        scale = 8  # draw the streak on a finer grid so that fractional lengths count
        kernel = np.zeros((size * scale, size * scale), np.float32)
        angle = rng.uniform(0.0, np.pi)
        half = blur_px * scale / 2 * np.array([np.cos(angle), np.sin(angle)])
        mid = np.array([size * scale / 2, size * scale / 2])
        p0, p1 = np.round(mid - half).astype(int), np.round(mid + half).astype(int)
        cv2.line(kernel, tuple(int(v) for v in p0), tuple(int(v) for v in p1), 1.0, thickness=scale)
        kernel = cv2.resize(kernel, (size, size), interpolation=cv2.INTER_AREA)
        out = cv2.filter2D(out, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT)
    if noise_sigma > 0:
        noisy = out.astype(np.float32) + rng.normal(0.0, noise_sigma, out.shape).astype(np.float32)
        out = np.clip(np.round(noisy), 0, 255).astype(np.uint8)
    if jpeg_quality is not None:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return out
