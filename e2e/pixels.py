"""Measures of an image's detail, for checking that a region was really redacted."""


def energy(image, box):
    """The mean squared difference of horizontally adjacent grey pixels inside `box`, a dict of
    fractions (0 to 1) of the image: x, y, width, height. A mosaic, a blur or a fill has little."""
    grey = image.convert("L")
    w, h = grey.size
    left, top = int(float(box["x"]) * w), int(float(box["y"]) * h)
    right, bottom = int((float(box["x"]) + float(box["width"])) * w), int((float(box["y"]) + float(box["height"])) * h)
    total, count = 0, 0
    for y in range(top, bottom):
        row = [grey.getpixel((x, y)) for x in range(left, right)]
        total += sum((a - b) ** 2 for a, b in zip(row, row[1:]))
        count += len(row) - 1
    return total / max(count, 1)
