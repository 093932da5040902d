// Uploads: files dropped anywhere on the page or chosen with the file input, each with its own
// row, a real progress bar fed by the browser's upload progress, and the API's error next to it.

import { el, formatBytes } from "./dom.js";

const PARALLEL_UPLOADS = 3;

export class Uploader {
  constructor(api, { recipe, onAccepted }) {
    this.api = api;
    this.recipe = recipe;
    this.onAccepted = onAccepted;
    this.list = document.getElementById("uploads");
    this.queue = [];
    this.running = 0;

    const input = document.getElementById("file-input");
    input.addEventListener("change", () => {
      this.add([...input.files]);
      input.value = "";
    });
    this.watchDrops();
  }

  watchDrops() {
    const overlay = document.getElementById("drop-overlay");
    let depth = 0;
    const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
    document.addEventListener("dragenter", (event) => {
      if (!hasFiles(event)) return;
      depth += 1;
      overlay.hidden = false;
    });
    document.addEventListener("dragleave", () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) overlay.hidden = true;
    });
    document.addEventListener("dragover", (event) => {
      if (hasFiles(event)) event.preventDefault();
    });
    document.addEventListener("drop", (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth = 0;
      overlay.hidden = true;
      this.add([...event.dataTransfer.files]);
    });
  }

  add(files) {
    for (const file of files) {
      const row = this.row(file);
      this.list.prepend(row.node);
      this.queue.push({ file, row, recipe: this.recipe() });
    }
    this.pump();
  }

  pump() {
    while (this.running < PARALLEL_UPLOADS && this.queue.length) {
      const job = this.queue.shift();
      this.running += 1;
      this.send(job).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  async send({ file, row, recipe }) {
    row.setState("uploading", "Uploading…");
    try {
      const answer = await this.api.upload(file, recipe, (sent, total) => row.progress(sent, total));
      row.progress(file.size, file.size);
      const images = answer.images || [answer];
      row.setState("done", "Uploaded. Processing starts now.");
      for (const image of images) this.onAccepted(image);
      setTimeout(() => row.node.classList.add("fading"), 5000);
      setTimeout(() => row.node.remove(), 6000);
    } catch (error) {
      row.setState("failed", error.message);
    }
  }

  row(file) {
    const bar = el("progress", { max: 100, value: 0, "aria-label": `Upload progress of ${file.name}` });
    const percent = el("span.upload-percent", {}, "0%");
    const message = el("p.upload-message", { role: "status" }, "Waiting…");
    const dismiss = el("button.button.ghost.icon.small", { type: "button", "aria-label": `Dismiss ${file.name}` }, "✕");
    const node = el(
      "li.upload",
      { dataset: { state: "queued", name: file.name } },
      el("div.upload-head", {}, el("span.upload-name", {}, file.name), el("span.upload-size", {}, formatBytes(file.size)), percent, dismiss),
      bar,
      message,
    );
    dismiss.addEventListener("click", () => node.remove());
    return {
      node,
      progress(sent, total) {
        const value = total ? Math.round((sent / total) * 100) : 0;
        bar.value = value;
        percent.textContent = `${value}%`;
        node.dataset.sent = String(sent);
        node.dataset.total = String(total);
      },
      setState(state, text) {
        node.dataset.state = state;
        message.textContent = text;
        message.setAttribute("role", state === "failed" ? "alert" : "status");
      },
    };
  }
}
