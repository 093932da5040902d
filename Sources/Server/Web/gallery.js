// The gallery: a grid of cards, newest first, paged through the cursor API as the person
// scrolls, filtered by status, and updated in place as events arrive.

import { badge, dimensions, el, formatBytes, formatTime, thumbnailOf } from "./dom.js";

const PAGE_SIZE = 24;

export class Gallery {
  constructor(api, { onOpen }) {
    this.api = api;
    this.onOpen = onOpen;
    this.grid = document.getElementById("grid");
    this.empty = document.getElementById("empty");
    this.more = document.getElementById("more");
    this.errorLine = document.getElementById("list-error");
    this.status = "";
    this.cursor = null;
    this.loading = false;
    this.images = new Map();
    this.generation = 0;

    this.more.addEventListener("click", () => this.loadMore());
    for (const chip of document.querySelectorAll("[data-filter]")) {
      chip.addEventListener("click", () => this.setFilter(chip.dataset.filter));
    }
    // Infinite scroll: the next page loads when the end of the grid comes into view.
    new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && this.cursor) this.loadMore();
    }).observe(document.getElementById("sentinel"));
  }

  setFilter(status) {
    for (const chip of document.querySelectorAll("[data-filter]")) {
      chip.setAttribute("aria-pressed", String(chip.dataset.filter === status));
    }
    this.status = status;
    this.reload();
  }

  async reload() {
    this.generation += 1;
    this.cursor = null;
    this.images.clear();
    this.grid.replaceChildren();
    this.loading = false;
    await this.loadMore(true);
  }

  async loadMore(first = false) {
    if (this.loading || (!first && !this.cursor)) return;
    this.loading = true;
    const generation = this.generation;
    this.grid.setAttribute("aria-busy", "true");
    try {
      const page = await this.api.list({ status: this.status, cursor: first ? "" : this.cursor, limit: PAGE_SIZE });
      if (generation !== this.generation) return;
      for (const image of page.images) this.upsert(image, { append: true });
      this.cursor = page.nextCursor || null;
      this.errorLine.hidden = true;
    } catch (error) {
      this.errorLine.textContent = `The images could not be listed: ${error.message}`;
      this.errorLine.hidden = false;
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.grid.setAttribute("aria-busy", "false");
        this.updateChrome();
      }
    }
  }

  // After the event stream reconnects: pick up new images and re-read the ones still moving.
  async catchUp() {
    try {
      const page = await this.api.list({ status: this.status, limit: PAGE_SIZE });
      for (const image of page.images) this.upsert(image);
    } catch {
      return;
    }
    this.refreshMoving();
  }

  // Re-reads the cards still PENDING or PROCESSING (at most 24), after a reload or a
  // reconnect, when events may have been missed. While connected, the event stream reports
  // every change, whichever process made it.
  refreshMoving() {
    const moving = [...this.images.values()].filter((image) => image.status === "PENDING" || image.status === "PROCESSING");
    for (const image of moving.slice(0, 24)) this.refresh(image.id);
  }

  matches(image) {
    return !this.status || image.status === this.status;
  }

  // Adds or replaces a card. New cards go where their id sorts: ids grow with time.
  upsert(image, { append = false } = {}) {
    const existing = this.grid.querySelector(`[data-id="${CSS.escape(image.id)}"]`);
    if (!this.matches(image)) {
      if (existing) this.remove(image.id);
      return;
    }
    this.images.set(image.id, image);
    const card = this.card(image);
    if (existing) {
      existing.replaceWith(card);
    } else if (append) {
      this.grid.append(card);
    } else {
      const after = [...this.grid.children].find((node) => node.dataset.id < image.id);
      this.grid.insertBefore(card, after || null);
    }
    this.updateChrome();
  }

  remove(id) {
    this.images.delete(id);
    this.grid.querySelector(`[data-id="${CSS.escape(id)}"]`)?.remove();
    this.updateChrome();
  }

  async refresh(id) {
    try {
      this.upsert(await this.api.image(id));
    } catch (error) {
      if (error.status === 404) this.remove(id);
    }
  }

  // An event from the stream: {id, status, error, variants}.
  handleEvent(event) {
    if (event.deleted) return this.remove(event.id);
    const known = this.images.get(event.id);
    if (known && known.status === event.status && event.status !== "COMPLETED") return;
    this.refresh(event.id);
  }

  updateChrome() {
    this.empty.hidden = this.grid.children.length > 0 || this.loading;
    this.more.hidden = !this.cursor;
  }

  card(image) {
    const thumb = thumbnailOf(image);
    const picture =
      image.status === "COMPLETED" && thumb
        ? el("img", { src: thumb.url, alt: "", loading: "lazy", decoding: "async", width: thumb.width, height: thumb.height })
        : el("div.placeholder", { dataset: { status: image.status } }, image.status === "FAILED" ? "!" : "");
    const frame = el(
      "div.thumb",
      {},
      picture,
      badge(image.status),
      // Faces were found (or looked for) and no person has checked them yet.
      image.facesDetected && !image.regionsReviewed ? el("span.chip.unreviewed.card-review", { title: "Its regions have not been reviewed" }, "Review") : null,
    );
    paintPlaceholder(frame, picture, image.placeholder);
    const facts = [dimensions(image), formatBytes(image.bytes), formatTime(image.createdAt)].filter(Boolean).join(" · ");
    return el(
      "li.card",
      { dataset: { id: image.id, status: image.status } },
      el(
        "button.card-open",
        { type: "button", "aria-label": `${image.filename}, ${image.status.toLowerCase()}. Open details`, onclick: () => this.onOpen(image.id) },
        frame,
        el("div.card-meta", {}, el("span.card-name", { title: image.filename }, image.filename)),
        el("div.card-facts", {}, facts),
      ),
    );
  }
}

// Until the thumbnail arrives, the card shows the image's placeholder: its dominant colour, and
// its tiny preview stretched over the frame; the thumbnail fades in over them once it has loaded.
// Set through the CSSOM, which the page's Content-Security-Policy allows (no inline styles).
export function paintPlaceholder(frame, picture, placeholder) {
  if (!placeholder || picture.tagName !== "IMG") return;
  frame.classList.add("painted");
  frame.style.backgroundColor = placeholder.dominantColor;
  if (placeholder.preview) frame.style.backgroundImage = `url("${placeholder.preview}")`;
  // A thumbnail that fails to load leaves the placeholder, not a broken-image icon.
  const shown = () => picture.classList.add("loaded");
  picture.addEventListener("load", shown, { once: true });
  if (picture.complete && picture.naturalWidth > 0) shown();
}
