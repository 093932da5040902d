// The page's entry point: asks for an API key when the server wants one, loads the recipes,
// and wires the uploader, the gallery, the detail view and the live event stream together.

import { Api } from "./api.js";
import { el, toast } from "./dom.js";
import { DetailView } from "./detail.js";
import { Gallery } from "./gallery.js";
import { LiveEvents } from "./live.js";
import { Uploader } from "./uploader.js";

const api = new Api();
let recipes = [];

api.onUnauthorized = () => askForKey(api.key ? "That key was refused. Enter a valid API key." : "");

function askForKey(message) {
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  document.getElementById("key-error").textContent = message;
  input.value = "";
  if (!dialog.open) dialog.showModal();
  return new Promise((resolve) => {
    document.getElementById("key-form").addEventListener(
      "submit",
      () => {
        api.setKey(input.value.trim());
        document.getElementById("forget-key").hidden = false;
        resolve();
      },
      { once: true },
    );
  });
}

async function loadRecipes() {
  const select = document.getElementById("recipe");
  const description = document.getElementById("recipe-description");
  try {
    recipes = (await api.recipes()).recipes;
  } catch (error) {
    description.textContent = `Recipes could not be loaded: ${error.message}`;
    return;
  }
  select.replaceChildren(...recipes.map((recipe) => el("option", { value: recipe.name }, recipe.name)));
  const remembered = localStorage.getItem("darkroom.recipe");
  if (recipes.some((recipe) => recipe.name === remembered)) select.value = remembered;
  const describe = () => {
    const recipe = recipes.find((r) => r.name === select.value);
    description.textContent = recipe ? `${recipe.description} Variants: ${recipe.variants.map((v) => v.name).join(", ")}.` : "";
    localStorage.setItem("darkroom.recipe", select.value);
  };
  select.addEventListener("change", describe);
  describe();
}

function showLiveState(state) {
  const live = document.getElementById("live");
  live.dataset.state = state;
  live.textContent = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" }[state];
}

async function main() {
  document.getElementById("forget-key").hidden = !api.key;
  document.getElementById("forget-key").addEventListener("click", () => {
    api.setKey("");
    location.reload();
  });

  await loadRecipes();

  const detail = new DetailView(api, {
    recipes: () => recipes,
    onDeleted: (id) => gallery.remove(id),
    onChanged: (image) => gallery.upsert(image),
  });
  const gallery = new Gallery(api, { onOpen: (id) => detail.open(id) });
  new Uploader(api, {
    recipe: () => document.getElementById("recipe").value || "default",
    onAccepted: (image) => gallery.upsert(image),
  });

  const live = new LiveEvents(api, {
    onStatus: (event) => {
      gallery.handleEvent(event);
      if (detail.openID === event.id) {
        if (event.deleted) detail.dialog.close();
        else detail.refresh();
      }
    },
    onConnected: (reconnected) => {
      if (reconnected) {
        gallery.catchUp();
        detail.refresh();
        toast("Live updates are back");
      }
    },
    onStateChange: showLiveState,
  });

  await gallery.reload();
  live.start();

  const route = () => {
    const match = location.hash.match(/^#\/images\/([0-9A-Za-z]+)$/);
    if (match && detail.openID !== match[1]) detail.open(match[1]);
  };
  window.addEventListener("hashchange", route);
  route();
  document.body.dataset.ready = "true";
}

main();
