"""What a scanner, a stamp and a pen do to a printed page, drawn at random but reproducibly.

`draw_effects` decides, `apply_effects` does. Every random choice comes from the `random.Random`
passed in (numpy noise is seeded from it), so a seed gives the same pixels every time.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

from samples.render import PageLayout, SignatureArea, available_families, load_font

ColourMode = Literal["rgb", "gray", "bilevel"]
Rotation = Literal[0, 90, 180, 270]
ROTATIONS: tuple[Rotation, ...] = (0, 90, 180, 270)

# A page turned by `rotation` anticlockwise needs that many degrees clockwise to stand upright,
# which is how the truth's `rotation` is defined.
TURNS = {
    90: Image.Transpose.ROTATE_90,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_270,
}
SEAL_TEXTS = (
    "ỦY BAN NHÂN DÂN", "CÔNG AN", "SỞ TƯ PHÁP", "PHÒNG TƯ PHÁP", "CÔNG TY TNHH", "CÔNG TY CỔ PHẦN",
)  # fmt: skip
SEAL_PLACES = ("HÀ NỘI", "NAM ĐỊNH", "THANH HÓA", "NGHỆ AN", "ĐÀ NẴNG", "CẦN THƠ", "HẢI PHÒNG")


@dataclass(frozen=True)
class Effects:
    """What happens to one page between the printer and the file. Defaults: a perfect scan."""

    rotation: Rotation = 0
    skew: float = 0.0  # degrees, positive = content turned anticlockwise (PIL's rotate)
    blur: float = 0.0  # Gaussian radius in pixels at 300 dpi
    noise: float = 0.0  # standard deviation of grey-level noise
    speckles: float = 0.0  # dust and toner specks per square centimetre
    paper: tuple[int, int, int] = (255, 255, 255)  # paper tint
    unevenness: float = 0.0  # 0..1: how much the lighting varies across the page
    seal: bool = False
    signature: bool = False
    colour: ColourMode = "rgb"
    jpeg_quality: int = 92  # when the page is stored as JPEG
    prior_jpeg: bool = False  # went through JPEG once before being stored losslessly
    threshold: int = 160  # bilevel cut-off


def draw_effects(rng: random.Random, *, degrade: bool, colours: tuple[ColourMode, ...]) -> Effects:
    """Decides what happens to a page; `colours` are the modes its output format can hold."""
    if not degrade:
        return Effects(colour=colours[0])
    # most pages come in upright; a few face sideways or upside down
    rotation = rng.choices(ROTATIONS, weights=(89, 5, 4, 2))[0]
    tone = rng.randint(238, 255)
    return Effects(
        rotation=rotation,
        skew=round(rng.uniform(-3.0, 3.0), 2),
        blur=rng.choice((0.0, 0.0, rng.uniform(0.4, 1.6))),
        noise=rng.choice((0.0, rng.uniform(2.0, 9.0))),
        speckles=rng.choice((0.0, rng.uniform(0.05, 0.6))),
        paper=(tone, tone - rng.randint(0, 6), tone - rng.randint(2, 16)),
        unevenness=rng.choice((0.0, rng.uniform(0.03, 0.15))),
        seal=rng.random() < 0.85,
        signature=rng.random() < 0.9,
        colour=rng.choice(colours),
        jpeg_quality=rng.randint(45, 85),
        prior_jpeg=rng.random() < 0.25,
        threshold=rng.randint(140, 180),
    )


def blank_effects(effects: Effects) -> Effects:
    """A blank back is scanned in the same pass as its front, but never turned or stamped."""
    return Effects(
        noise=min(effects.noise, 3.0),
        speckles=effects.speckles,
        paper=effects.paper,
        unevenness=effects.unevenness,
        colour=effects.colour,
        jpeg_quality=effects.jpeg_quality,
        threshold=effects.threshold,
    )


def apply_effects(
    printed: Image.Image, layout: PageLayout, effects: Effects, rng: random.Random
) -> Image.Image:
    """The scanned page, from the printed grayscale page, in the effects' colour mode."""
    page = printed.convert("RGB")
    for area in layout.signatures:
        page = stamp_and_sign(page, area, effects, rng, layout.dpi)
    page = on_paper(page, effects, rng)
    return scan(page, effects, rng, layout.dpi)


def blank_back(
    size: tuple[int, int], dpi: int, front: Image.Image | None, effects: Effects, rng: random.Random
) -> Image.Image:
    """The empty back of a sheet; `front` (printed, grayscale) shows through faintly if given."""
    page = Image.new("RGB", size, (255, 255, 255))
    if front is not None:
        strength = rng.uniform(0.02, 0.06)
        ghost = ImageOps.mirror(front).filter(ImageFilter.GaussianBlur(dpi / 100))
        ghost = ghost.point(lambda v: round(255 - (255 - v) * strength))
        page = ImageChops.multiply(page, ghost.convert("RGB"))
    return scan(on_paper(page, effects, rng), effects, rng, dpi)


def stamp_and_sign(
    page: Image.Image, area: SignatureArea, effects: Effects, rng: random.Random, dpi: int
) -> Image.Image:
    """Blue signature across the signing block; a red seal over its left part for organisations."""
    x0, y0, x1, y1 = area.box
    mm = dpi / 25.4
    seal_radius = round(rng.uniform(16, 20) * mm)
    margin = seal_radius + round(5 * mm)
    region = (
        max(0, x0 - margin),
        max(0, y0 - margin),
        min(page.width, x1 + margin),
        min(page.height, y1 + margin),
    )
    ink = Image.new("RGB", (region[2] - region[0], region[3] - region[1]), (255, 255, 255))
    local = (x0 - region[0], y0 - region[1], x1 - region[0], y1 - region[1])
    if effects.signature:
        draw_signature(ink, local, rng, dpi)
    if effects.seal and area.signer == "seal":
        centre = (
            round(local[0] + (local[2] - local[0]) * rng.uniform(0.2, 0.35)),
            round(local[1] + (local[3] - local[1]) * rng.uniform(0.3, 0.55)),
        )
        draw_seal(ink, centre, seal_radius, rng, dpi)
    # multiply, as ink on ink does: black print stays black under the red seal
    page.paste(ImageChops.multiply(page.crop(region), ink), region[:2])
    return page


def draw_signature(
    ink: Image.Image, box: tuple[int, int, int, int], rng: random.Random, dpi: int
) -> None:
    x0, y0, x1, y1 = box
    width = x1 - x0
    start = x0 + width * rng.uniform(0.15, 0.3)
    length = width * rng.uniform(0.4, 0.65)
    base = y0 + (y1 - y0) * rng.uniform(0.5, 0.65)
    height = dpi * rng.uniform(0.12, 0.22)
    loops = rng.uniform(3, 7)
    phase = rng.uniform(0, math.tau)
    points = []
    for i in range(120):
        t = i / 119
        # a forward sweep with loops: x wobbles back when the loop term outruns the sweep
        x = start + length * t + height * 0.5 * math.sin(loops * math.tau * t + phase)
        y = base - height * math.sin(loops * math.tau * t * 0.5 + phase) * (1 - 0.6 * t)
        points.append((x, y))
    colour = (rng.randint(10, 60), rng.randint(30, 80), rng.randint(140, 200))
    draw = ImageDraw.Draw(ink)
    draw.line(points, fill=colour, width=max(2, round(dpi / 70)), joint="curve")


def draw_seal(
    ink: Image.Image, centre: tuple[int, int], radius: int, rng: random.Random, dpi: int
) -> None:
    colour = (rng.randint(195, 235), rng.randint(25, 70), rng.randint(35, 80))
    draw = ImageDraw.Draw(ink)
    cx, cy = centre
    ring = max(3, round(dpi / 45))
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=colour, width=ring)
    inner = round(radius * 0.66)
    draw.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), outline=colour, width=ring // 2)
    star = [
        (
            cx + inner * (0.55 if k % 2 == 0 else 0.22) * math.sin(math.pi * k / 5),
            cy - inner * (0.55 if k % 2 == 0 else 0.22) * math.cos(math.pi * k / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=colour)
    text = f"{rng.choice(SEAL_TEXTS)} * {rng.choice(SEAL_PLACES)} *"
    family = available_families()[next(iter(available_families()))]
    size = round(radius * 0.22)
    font = load_font(family["bold"], size)
    text_radius = (radius + inner) / 2
    span = math.radians(300)
    for i, char in enumerate(text):
        angle = -span / 2 + span * i / max(1, len(text) - 1)  # clockwise from the top
        glyph = Image.new("L", (size * 2, size * 2), 0)
        ImageDraw.Draw(glyph).text((size, size), char, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle), resample=Image.Resampling.BILINEAR)
        gx = round(cx + text_radius * math.sin(angle) - glyph.width / 2)
        gy = round(cy - text_radius * math.cos(angle) - glyph.height / 2)
        ink.paste(colour, (gx, gy), glyph)


def on_paper(page: Image.Image, effects: Effects, rng: random.Random) -> Image.Image:
    """Tinted paper under uneven scanner light: a smooth field multiplied onto the page."""
    if effects.paper == (255, 255, 255) and effects.unevenness == 0.0:
        return page
    np_rng = np.random.default_rng(rng.getrandbits(64))
    light = 1.0 - effects.unevenness * np_rng.random((6, 4))
    field = light[..., None] * np.array(effects.paper, dtype=np.float64)
    smooth = Image.fromarray(field.round().astype(np.uint8), "RGB")
    return ImageChops.multiply(page, smooth.resize(page.size, Image.Resampling.BICUBIC))


def scan(page: Image.Image, effects: Effects, rng: random.Random, dpi: int) -> Image.Image:
    """Skew, optics, sensor noise, compression, colour mode and orientation, in scanner order."""
    if effects.skew:
        page = page.rotate(
            effects.skew, resample=Image.Resampling.BILINEAR, fillcolor=effects.paper
        )
    if effects.blur:
        page = page.filter(ImageFilter.GaussianBlur(effects.blur * dpi / 300))
    if effects.noise or effects.speckles:
        page = add_noise(page, effects, rng, dpi)
    if effects.prior_jpeg:
        buffer = io.BytesIO()
        page.save(buffer, "JPEG", quality=max(30, effects.jpeg_quality - 20))
        page = Image.open(buffer)
        page.load()
    if effects.colour == "gray":
        page = page.convert("L")
    elif effects.colour == "bilevel":
        cut = effects.threshold
        page = page.convert("L").point(lambda v: 255 if v > cut else 0, mode="1")
    if effects.rotation:
        page = page.transpose(TURNS[effects.rotation])
    return page


def add_noise(page: Image.Image, effects: Effects, rng: random.Random, dpi: int) -> Image.Image:
    np_rng = np.random.default_rng(rng.getrandbits(64))
    pixels = np.asarray(page, dtype=np.int16)
    height, width = pixels.shape[:2]
    if effects.noise:
        grain = np_rng.normal(0.0, effects.noise, (height, width)).astype(np.int16)
        pixels = pixels + grain[..., None]
    if effects.speckles:
        area_cm2 = height * width / (dpi / 2.54) ** 2
        count = round(area_cm2 * effects.speckles)
        ys = np_rng.integers(0, height - 2, count)
        xs = np_rng.integers(0, width - 2, count)
        shade = np_rng.integers(0, 90, count)[:, None]
        for dy in (0, 1):  # 2x2 specks: single pixels vanish under any blur or threshold
            for dx in (0, 1):
                pixels[ys + dy, xs + dx] = shade
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
