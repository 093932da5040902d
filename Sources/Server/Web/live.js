// The live event stream. EventSource retries by itself after a network drop, but gives up for
// good when the server answers with an error or goes away during a restart; this wrapper then
// reconnects with a growing delay, and tells the page so it can catch up on what it missed.

export class LiveEvents {
  constructor(api, { onStatus, onConnected, onStateChange }) {
    this.api = api;
    this.onStatus = onStatus;
    this.onConnected = onConnected;
    this.onStateChange = onStateChange;
    this.delay = 1000;
    this.source = null;
    this.timer = null;
    this.everConnected = false;
  }

  start() {
    clearTimeout(this.timer);
    if (this.source) this.source.close();
    this.onStateChange("connecting");
    const source = new EventSource(this.api.eventsURL());
    this.source = source;
    source.addEventListener("open", () => {
      this.delay = 1000;
      this.onStateChange("live");
      // After a drop, events may have been missed: the page refreshes what it shows.
      this.onConnected(this.everConnected);
      this.everConnected = true;
    });
    source.addEventListener("status", (event) => {
      try {
        this.onStatus(JSON.parse(event.data));
      } catch {
        // A malformed event is skipped; the next refresh corrects the page.
      }
    });
    source.addEventListener("error", () => {
      this.onStateChange("reconnecting");
      if (source.readyState === EventSource.CLOSED) this.retryLater();
      else this.scheduleCheck(source);
    });
  }

  // EventSource is retrying on its own; if it has not reopened after a while, start over.
  scheduleCheck(source) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.source === source && source.readyState !== EventSource.OPEN) this.retryLater();
    }, 5000);
  }

  retryLater() {
    if (this.source) this.source.close();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.start(), this.delay);
    this.delay = Math.min(this.delay * 2, 15000);
  }
}
