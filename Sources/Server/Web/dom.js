// Small DOM and formatting helpers shared by the page's modules.

// el("a.button", { href }, "text", child) builds an element. Strings become text nodes, never HTML.
export function el(spec, attributes = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const node = document.createElement(tag);
  if (classes.length) node.className = classes.join(" ");
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatKB(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return date.toLocaleString();
}

export function dimensions(item) {
  return item.width && item.height ? `${item.width}×${item.height}` : "";
}

// The smallest variant to show on a card: "thumbnail" when the recipe has one.
export function thumbnailOf(image) {
  const variants = image.variants || [];
  if (!variants.length) return null;
  return variants.find((v) => v.name === "thumbnail") || [...variants].sort((a, b) => a.width * a.height - b.width * b.height)[0];
}

export function badge(status) {
  return el("span.badge", { dataset: { status } }, status);
}

const toasts = () => document.getElementById("toasts");

export function toast(message, kind = "info") {
  const node = el(`div.toast.${kind}`, {}, message);
  toasts().append(node);
  setTimeout(() => node.remove(), 4000);
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = el("textarea", { readonly: true, class: "visually-hidden" });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
}

// Resolves true when the person confirms in the confirmation dialog.
export function confirmAction(title, text, okLabel) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = okLabel;
  dialog.returnValue = "cancel";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }));
}
