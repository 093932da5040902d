// The detail view: the original and every variant with its size and format, a preview, a
// download link and a copy-link button; the error of a FAILED image; reprocess and delete.

import { Playground } from "./playground.js";
import { RegionEditor } from "./regions.js";
import { badge, confirmAction, copyText, dimensions, el, formatBytes, formatKB, formatTime, toast } from "./dom.js";

export class DetailView {
  constructor(api, { recipes, onDeleted, onChanged }) {
    this.api = api;
    this.recipes = recipes;
    this.onDeleted = onDeleted;
    this.onChanged = onChanged;
    this.dialog = document.getElementById("detail");
    this.body = document.getElementById("detail-body");
    this.title = document.getElementById("detail-title");
    this.status = document.getElementById("detail-status");
    this.image = null;

    document.getElementById("detail-close").addEventListener("click", () => this.dialog.close());
    this.dialog.addEventListener("close", () => {
      this.image = null;
      if (location.hash.startsWith("#/images/")) history.replaceState(null, "", location.pathname + location.search);
    });
    // A click on the backdrop closes the dialog.
    this.dialog.addEventListener("click", (event) => {
      if (event.target === this.dialog) this.dialog.close();
    });
  }

  get openID() {
    return this.dialog.open && this.image ? this.image.id : null;
  }

  async open(id) {
    try {
      const image = await this.api.image(id);
      this.render(image);
      if (!this.dialog.open) this.dialog.showModal();
      if (location.hash !== `#/images/${id}`) history.replaceState(null, "", `#/images/${id}`);
    } catch (error) {
      toast(`That image could not be opened: ${error.message}`, "error");
    }
  }

  // Re-reads the open image after an event about it.
  async refresh() {
    if (!this.openID) return;
    try {
      this.render(await this.api.image(this.openID));
    } catch (error) {
      if (error.status === 404) this.dialog.close();
    }
  }

  render(image) {
    this.image = image;
    this.title.textContent = image.filename;
    this.status.replaceWith((this.status = badge(image.status)));
    this.status.id = "detail-status";
    this.dialog.dataset.status = image.status;
    this.dialog.dataset.id = image.id;

    const facts = el(
      "dl.facts",
      {},
      fact("ID", image.id),
      fact("Recipe", image.recipe),
      fact("Original", [dimensions(image), image.format?.toUpperCase(), formatBytes(image.bytes)].filter(Boolean).join(" · ")),
      fact("Uploaded", formatTime(image.createdAt)),
      image.completedAt ? fact("Finished", formatTime(image.completedAt)) : null,
      fact("Attempts", String(image.attempts)),
      ...photoFacts(image.facts),
    );
    const failure = image.status === "FAILED" ? el("div.failure", { role: "alert" }, el("strong", {}, "Processing failed: "), image.error || "no reason was recorded.") : null;
    const waiting =
      image.status === "PENDING" || image.status === "PROCESSING"
        ? el("p.hint.waiting", {}, image.status === "PENDING" ? "Waiting for a worker…" : "Processing…")
        : null;

    const files = el(
      "ul.files",
      { "aria-label": "Files" },
      this.fileRow({ name: "original", url: image.originalUrl, width: image.width, height: image.height, bytes: image.bytes, format: image.format || "" }, image),
      image.variants.map((variant) => this.fileRow(variant, image)),
    );

    const largest = [...image.variants].sort((a, b) => b.width * b.height - a.width * a.height)[0];
    const hero = largest ? el("div.hero", {}, el("img", { src: largest.url, alt: `${image.filename}, ${largest.name} variant` })) : null;
    const summary = el("div.detail-summary", {}, hero, el("div", {}, facts, failure, waiting));
    // The playground works from the original, so it is offered whatever the status; it is
    // kept while the same image re-renders, so a status change does not reset its controls.
    if (!this.playground || this.playground.image.id !== image.id) {
      this.playground = new Playground(this.api, image);
      this.playgroundElement = this.playground.element();
    }
    // The region review is kept while the same image re-renders with unsaved edits, so an
    // event does not throw a person's boxes away.
    if (!this.regionEditor || this.regionEditor.image.id !== image.id || !this.regionEditor.dirty) {
      this.regionEditor = new RegionEditor(this.api, image, {
        onSaved: (updated) => {
          this.regionEditor = null;
          this.render(updated);
          this.onChanged(updated);
        },
      });
      this.regionElement = this.regionEditor.element();
    }
    this.body.replaceChildren(summary, this.actions(image), this.regionElement, el("h3", {}, "Files"), files, this.playgroundElement);
  }

  fileRow(file, image) {
    const absolute = new URL(file.url, location.href).href;
    const extension = file.format === "jpeg" ? "jpg" : file.format;
    const downloadName = `${image.filename.replace(/\.[^.]+$/, "")}-${file.name}${extension ? "." + extension : ""}`;
    return el(
      "li.file",
      { dataset: { variant: file.name, width: file.width, height: file.height } },
      el("a.preview", { href: file.url, target: "_blank", rel: "noopener", "aria-label": `Open ${file.name} in a new tab` }, el("img", { src: file.url, alt: `${file.name} of ${image.filename}`, loading: "lazy" })),
      el(
        "div.file-info",
        {},
        el("strong.file-name", {}, file.name),
        el("span.file-facts", {}, [dimensions(file), (file.format || "").toUpperCase(), formatKB(file.bytes)].filter(Boolean).join(" · ")),
        el(
          "div.file-actions",
          {},
          el("a.button.small", { href: file.url, download: downloadName }, "Download"),
          el(
            "button.button.small.ghost",
            {
              type: "button",
              "data-copy": absolute,
              onclick: async () => {
                await copyText(absolute);
                toast(`Link to ${file.name} copied`);
              },
            },
            "Copy link",
          ),
        ),
      ),
    );
  }

  actions(image) {
    const select = el(
      "select",
      { id: "reprocess-recipe" },
      this.recipes().map((recipe) => el("option", { value: recipe.name, selected: recipe.name === image.recipe }, recipe.name)),
    );
    const reprocess = el("button.button", { type: "button", id: "reprocess" }, "Reprocess");
    reprocess.addEventListener("click", async () => {
      reprocess.disabled = true;
      try {
        const updated = await this.api.reprocess(image.id, select.value);
        this.render(updated);
        this.onChanged(updated);
        toast(`Reprocessing with ${select.value}`);
      } catch (error) {
        toast(error.message, "error");
      } finally {
        reprocess.disabled = false;
      }
    });
    const remove = el("button.button.danger", { type: "button", id: "delete" }, "Delete");
    remove.addEventListener("click", async () => {
      const sure = await confirmAction("Delete this image?", `${image.filename} and all of its variants will be deleted. This cannot be undone.`, "Delete");
      if (!sure) return;
      try {
        await this.api.remove(image.id);
        this.dialog.close();
        this.onDeleted(image.id);
        toast(`${image.filename} deleted`);
      } catch (error) {
        toast(error.message, "error");
      }
    });
    return el(
      "div.detail-actions",
      {},
      el("div.field.inline", {}, el("label", { for: "reprocess-recipe" }, "Recipe"), select, reprocess),
      remove,
    );
  }
}

function fact(term, value) {
  return [el("dt", {}, term), el("dd", {}, value)];
}

// What the original says about itself (docs/facts.md): only the lines it has. GPS is shown as
// "yes" unless the server keeps positions (metadata.keepGps); the position is never guessed.
export function photoFacts(facts) {
  if (!facts) return [];
  const camera = facts.camera ? [facts.camera.make, facts.camera.model].filter(Boolean).join(" ") : "";
  const exposure = facts.exposure
    ? [
        facts.exposure.time ? (facts.exposure.time < 1 ? `1/${Math.round(1 / facts.exposure.time)} s` : `${facts.exposure.time} s`) : "",
        facts.exposure.fNumber ? `f/${facts.exposure.fNumber}` : "",
        facts.exposure.iso ? `ISO ${facts.exposure.iso}` : "",
        facts.exposure.focalLength ? `${facts.exposure.focalLength} mm` : "",
      ].filter(Boolean).join(" · ")
    : "";
  const colour = [facts.colorSpace, `${facts.bitDepth}-bit`, facts.hasAlpha ? "alpha" : "", facts.iccProfile || ""].filter(Boolean).join(" · ");
  const gps = facts.gps ? `${facts.gps.latitude.toFixed(5)}, ${facts.gps.longitude.toFixed(5)}` : facts.hasGPS ? "yes (position not kept)" : "";
  return [
    camera ? fact("Camera", camera) : null,
    facts.camera?.lens ? fact("Lens", facts.camera.lens) : null,
    facts.takenAt ? fact("Taken", facts.takenAt.replace("T", " ")) : null,
    exposure ? fact("Exposure", exposure) : null,
    fact("Colour", colour),
    facts.frames > 1 ? fact("Frames", String(facts.frames)) : null,
    gps ? fact("GPS", gps) : null,
  ].filter(Boolean);
}
