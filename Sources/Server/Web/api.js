// The Darkroom REST API as the page uses it. Errors carry the API's own message, so the page can
// show the person exactly what the server said.

const KEY_STORAGE = "darkroom.apiKey";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class Api {
  constructor() {
    this.key = localStorage.getItem(KEY_STORAGE) || "";
    // Called with no arguments when the server answers 401; resolves once a new key is saved.
    this.onUnauthorized = null;
  }

  setKey(key) {
    this.key = key;
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  }

  headers(extra = {}) {
    return this.key ? { ...extra, Authorization: `Bearer ${this.key}` } : extra;
  }

  // fetch + JSON, asking for a key and retrying once when the server says 401.
  async request(method, path, { retry = true, json } = {}) {
    let response;
    try {
      const headers = this.headers(json === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" });
      response = await fetch(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
    } catch {
      throw new ApiError(0, "network", "The server could not be reached. Check that Darkroom is running.");
    }
    if (response.status === 401 && retry && this.onUnauthorized) {
      await this.onUnauthorized();
      return this.request(method, path, { retry: false, json });
    }
    if (response.status === 204) return null;
    const body = await response.json().catch(() => null);
    if (!response.ok) throw errorFrom(response.status, body);
    return body;
  }

  recipes() {
    return this.request("GET", "/api/recipes");
  }

  list({ status = "", cursor = "", limit = 24 } = {}) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (status) query.set("status", status);
    if (cursor) query.set("cursor", cursor);
    return this.request("GET", `/api/images?${query}`);
  }

  image(id) {
    return this.request("GET", `/api/images/${encodeURIComponent(id)}`);
  }

  remove(id) {
    return this.request("DELETE", `/api/images/${encodeURIComponent(id)}`);
  }

  reprocess(id, recipe) {
    return this.request("POST", `/api/images/${encodeURIComponent(id)}/reprocess?recipe=${encodeURIComponent(recipe)}`);
  }

  // Replaces the image's regions (a person's review) and, unless told not to, reprocesses it.
  saveRegions(id, regions, reprocess = true) {
    return this.request("PUT", `/api/images/${encodeURIComponent(id)}/regions`, { json: { regions, reprocess } });
  }

  // A signed on-the-fly URL in imgproxy's or thumbor's dialect, for the playground.
  async signTransform(dialect, path) {
    const query = new URLSearchParams({ dialect, path });
    return (await this.request("GET", `/api/transform/sign?${query}`)).url;
  }

  // One file, as multipart, through XMLHttpRequest: fetch cannot report upload progress.
  // onProgress(sent, total) is called as bytes leave the browser.
  upload(file, recipe, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", `/api/images?recipe=${encodeURIComponent(recipe)}`);
      for (const [name, value] of Object.entries(this.headers({ Accept: "application/json" }))) {
        xhr.setRequestHeader(name, value);
      }
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(event.loaded, event.total);
      });
      xhr.addEventListener("load", () => {
        let body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(body);
        else reject(errorFrom(xhr.status, body));
      });
      xhr.addEventListener("error", () =>
        reject(
          new ApiError(
            0,
            "network",
            "The upload was cut off before the server answered. The file may be larger than the server accepts, or the server stopped.",
          ),
        ),
      );
      xhr.addEventListener("abort", () => reject(new ApiError(0, "aborted", "The upload was cancelled.")));
      const form = new FormData();
      form.append("file", file, file.name);
      xhr.send(form);
    });
  }

  // The event stream URL; EventSource cannot send headers, so the key goes in the query.
  eventsURL() {
    return this.key ? `/api/events?access_token=${encodeURIComponent(this.key)}` : "/api/events";
  }
}

function errorFrom(status, body) {
  const error = body && body.error;
  if (error && error.message) return new ApiError(status, error.code || "error", error.message);
  return new ApiError(status, "http_" + status, `The server answered ${status} with no explanation.`);
}
