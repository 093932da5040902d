// The review of an image's regions: the original with every face found and every box a person
// drew over it. Drag on the picture to add a box; drag a box to move it, its corner handle to
// resize it; × (or Delete) removes it. "Save and reprocess" sends the regions and makes new
// variants with them. Coordinates are fractions of the upright image, as the API keeps them.

import { el, toast } from "./dom.js";

const MIN_SIDE = 0.01;

export class RegionEditor {
  constructor(api, image, { onSaved }) {
    this.api = api;
    this.image = image;
    this.onSaved = onSaved;
    this.regions = (image.regions || []).map((r) => ({ ...r }));
    this.dirty = false;
  }

  element() {
    this.picture = el("img.region-picture", { src: this.image.originalUrl, alt: `Original of ${this.image.filename}, for marking regions`, draggable: "false" });
    this.layer = el("div.region-layer", { id: "region-layer", "aria-label": "Regions: drag to add a box" });
    this.stage = el("div.region-stage", {}, this.picture, this.layer);
    this.layer.addEventListener("pointerdown", (event) => this.startDraw(event));
    this.count = el("span.hint", { id: "region-count" });
    this.save = el("button.button", { type: "button", id: "regions-save" }, "Save and reprocess");
    this.save.addEventListener("click", () => this.commit());
    const reviewed = this.image.regionsReviewed
      ? el("span.chip.reviewed", { id: "regions-state" }, "Reviewed")
      : el("span.chip.unreviewed", { id: "regions-state" }, this.image.facesDetected ? "Not reviewed" : "Faces not looked for yet");
    this.root = el(
      "section.regions",
      { "aria-label": "Regions to hide" },
      el("h3", {}, "Regions to hide ", reviewed),
      el("p.hint", {}, "Faces found are outlined in orange, boxes you drew in blue. Drag on the picture to add a box (a licence plate, a document); drag a box to move it, its corner to resize it, × to remove it."),
      this.stage,
      el("div.detail-actions", {}, this.count, this.save),
    );
    this.draw();
    return this.root;
  }

  // Fractions of the picture under a pointer event, clamped to it.
  point(event) {
    const box = this.layer.getBoundingClientRect();
    return {
      x: Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)),
      y: Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)),
    };
  }

  startDraw(event) {
    if (event.target !== this.layer) return;
    event.preventDefault();
    const start = this.point(event);
    const region = { x: start.x, y: start.y, width: 0, height: 0, kind: "manual" };
    this.regions.push(region);
    this.track(event, (p) => {
      region.x = Math.min(start.x, p.x);
      region.y = Math.min(start.y, p.y);
      region.width = Math.abs(p.x - start.x);
      region.height = Math.abs(p.y - start.y);
    }, () => {
      if (region.width < MIN_SIDE || region.height < MIN_SIDE) this.regions.splice(this.regions.indexOf(region), 1);
    });
  }

  startMove(event, region) {
    event.preventDefault();
    event.stopPropagation();
    const start = this.point(event);
    const origin = { x: region.x, y: region.y };
    this.track(event, (p) => {
      region.x = Math.min(1 - region.width, Math.max(0, origin.x + p.x - start.x));
      region.y = Math.min(1 - region.height, Math.max(0, origin.y + p.y - start.y));
    });
  }

  startResize(event, region) {
    event.preventDefault();
    event.stopPropagation();
    this.track(event, (p) => {
      region.width = Math.max(MIN_SIDE, Math.min(1 - region.x, p.x - region.x));
      region.height = Math.max(MIN_SIDE, Math.min(1 - region.y, p.y - region.y));
    });
  }

  // Follows the pointer until it is released, redrawing as it goes.
  track(event, move, done = () => {}) {
    this.layer.setPointerCapture?.(event.pointerId);
    const onMove = (e) => {
      move(this.point(e));
      this.changed();
    };
    const onUp = (e) => {
      this.layer.removeEventListener("pointermove", onMove);
      this.layer.removeEventListener("pointerup", onUp);
      this.layer.releasePointerCapture?.(e.pointerId);
      done();
      this.changed();
    };
    this.layer.addEventListener("pointermove", onMove);
    this.layer.addEventListener("pointerup", onUp);
  }

  remove(region) {
    this.regions.splice(this.regions.indexOf(region), 1);
    this.changed();
  }

  changed() {
    this.dirty = true;
    this.draw();
  }

  draw() {
    const percent = (v) => `${(v * 100).toFixed(3)}%`;
    this.layer.replaceChildren(
      ...this.regions.map((region, index) => {
        const box = el(
          `div.region.${region.kind}`,
          { tabindex: "0", role: "group", "aria-label": `${region.kind === "face" ? "Face" : "Box"} ${index + 1}`, dataset: { index, kind: region.kind } },
          el("button.region-delete", { type: "button", "aria-label": `Remove region ${index + 1}`, onclick: (e) => { e.stopPropagation(); this.remove(region); } }, "×"),
          el("span.region-handle", { "aria-hidden": "true", onpointerdown: (e) => this.startResize(e, region) }),
        );
        Object.assign(box.style, { left: percent(region.x), top: percent(region.y), width: percent(region.width), height: percent(region.height) });
        box.addEventListener("pointerdown", (e) => {
          if (e.target === box) this.startMove(e, region);
        });
        box.addEventListener("keydown", (e) => {
          if (e.key === "Delete" || e.key === "Backspace") this.remove(region);
        });
        return box;
      }),
    );
    const faces = this.regions.filter((r) => r.kind === "face").length;
    this.count.textContent = `${faces} face${faces === 1 ? "" : "s"}, ${this.regions.length - faces} drawn${this.dirty ? " · unsaved changes" : ""}`;
  }

  async commit() {
    this.save.disabled = true;
    try {
      const regions = this.regions.map(({ x, y, width, height, kind, score }) => {
        const clean = { x: round(x), y: round(y), width: round(Math.min(width, 1 - round(x))), height: round(Math.min(height, 1 - round(y))), kind };
        if (score !== undefined && score !== null) clean.score = score;
        return clean;
      });
      const updated = await this.api.saveRegions(this.image.id, regions, true);
      this.dirty = false;
      toast("Regions saved; reprocessing");
      this.onSaved(updated);
    } catch (error) {
      toast(error.message, "error");
    } finally {
      this.save.disabled = false;
    }
  }
}

function round(v) {
  return Math.floor(v * 1e6) / 1e6;
}
