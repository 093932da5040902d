// The transformation playground on the detail view: pick operations, see the result live, and
// copy the signed URL in imgproxy's or thumbor's dialect. The server signs (the keys never reach
// the page); what it cannot sign or render is shown as the server's own message.

import { copyText, el, toast } from "./dom.js";

const FORMATS = ["auto", "jpeg", "webp", "png", "avif"];

// The options as each dialect writes them. imgproxy has no grayscale option and thumbor no
// pixelate filter: the other dialect's URL is shown instead, with a note.
export function imgproxyPath(id, o) {
  const parts = [`rs:${o.fit}:${o.width || 0}:${o.height || 0}`];
  if (o.quality) parts.push(`q:${o.quality}`);
  if (o.blur) parts.push(`bl:${o.blur}`);
  if (o.pixelate) parts.push(`pix:${o.pixelate}`);
  const ext = o.format === "auto" ? "" : `@${o.format === "jpeg" ? "jpg" : o.format}`;
  return `/${parts.join("/")}/plain/${encodeURIComponent(`darkroom://${id}`)}${ext}`;
}

export function thumborPath(id, o) {
  const filters = [];
  if (o.quality) filters.push(`quality(${o.quality})`);
  if (o.grayscale) filters.push("grayscale()");
  if (o.blur) filters.push(`blur(${o.blur})`);
  if (o.format !== "auto") filters.push(`format(${o.format})`);
  const fit = o.fit === "fill" ? "" : "fit-in/";
  const size = `${o.width || 0}x${o.height || 0}/`;
  return `${fit}${size}${filters.length ? `filters:${filters.join(":")}/` : ""}${encodeURIComponent(`darkroom://${id}`)}`;
}

export class Playground {
  constructor(api, image) {
    this.api = api;
    this.image = image;
    this.options = { dialect: "imgproxy", width: 400, height: 300, fit: "fit", format: "auto", quality: 80, grayscale: false, blur: 0, pixelate: 0 };
    this.timer = null;
    this.preview = el("img.playground-preview", { alt: `${image.filename}, transformed`, id: "playground-preview" });
    this.url = el("code.playground-url", { id: "playground-url" });
    this.note = el("p.hint", { id: "playground-note" });
    this.copy = el("button.button.small.ghost", { type: "button", id: "playground-copy" }, "Copy URL");
    this.copy.addEventListener("click", async () => {
      await copyText(new URL(this.url.textContent, location.href).href);
      toast("Signed URL copied");
    });
    this.preview.addEventListener("error", () => {
      if (this.preview.getAttribute("src")) this.note.textContent = "The server could not render this; see the URL's answer for why.";
    });
  }

  field(label, name, input) {
    input.id = `playground-${name}`;
    input.addEventListener("input", () => {
      this.options[name] = input.type === "checkbox" ? input.checked : input.type === "number" ? Number(input.value) : input.value;
      this.schedule();
    });
    return el("div.field", {}, el("label", { for: input.id }, label), input);
  }

  element() {
    const o = this.options;
    const choice = (values, selected) => el("select", {}, values.map((v) => el("option", { value: v, selected: v === selected }, v)));
    const number = (value, min, max) => el("input", { type: "number", value, min, max });
    const controls = el(
      "div.playground-controls",
      {},
      this.field("Dialect", "dialect", choice(["imgproxy", "thumbor"], o.dialect)),
      this.field("Width", "width", number(o.width, 0, 4000)),
      this.field("Height", "height", number(o.height, 0, 4000)),
      this.field("Fit", "fit", choice(["fit", "fill"], o.fit)),
      this.field("Format", "format", choice(FORMATS, o.format)),
      this.field("Quality", "quality", number(o.quality, 1, 100)),
      this.field("Blur", "blur", number(o.blur, 0, 50)),
      this.field("Pixelate", "pixelate", number(o.pixelate, 0, 64)),
      this.field("Grayscale", "grayscale", el("input", { type: "checkbox" })),
    );
    // Closed at first: nothing is signed or rendered until someone opens it.
    const section = el(
      "details.playground",
      { id: "playground" },
      el("summary", {}, "Transform on the fly"),
      controls,
      el("div.playground-result", {}, this.preview, el("div", {}, this.url, this.copy, this.note)),
    );
    section.addEventListener("toggle", () => {
      if (section.open) this.schedule(0);
    });
    return section;
  }

  schedule(delay = 250) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.update(), delay);
  }

  async update() {
    const o = this.options;
    let dialect = o.dialect;
    let note = "";
    if (dialect === "imgproxy" && o.grayscale) {
      dialect = "thumbor";
      note = "imgproxy's dialect has no grayscale; this is thumbor's URL.";
    } else if (dialect === "thumbor" && o.pixelate) {
      dialect = "imgproxy";
      note = "thumbor's dialect has no pixelate; this is imgproxy's URL.";
    }
    const path = dialect === "imgproxy" ? imgproxyPath(this.image.id, o) : thumborPath(this.image.id, o);
    try {
      const url = await this.api.signTransform(dialect, path);
      this.url.textContent = url;
      this.url.dataset.dialect = dialect;
      this.note.textContent = note;
      this.preview.src = url;
    } catch (error) {
      this.url.textContent = "";
      this.note.textContent = error.message;
    }
  }
}
