// The search page: results while typing, search by image (pick, drop, paste), more like this, the arithmetic
// of `clip search`, a folder filter, paging by infinite scroll, zero-shot labels over the results,
// near-duplicate groups, and the library's states (empty, indexing, errors, API key).
import { api, ApiError } from "./api.js";

const PAGE = 40;
const $ = (id) => document.getElementById(id);
const els = {
  query: $("query"), folder: $("folder"), file: $("image-file"), count: $("count"), grid: $("grid"), message: $("message"),
  sentinel: $("sentinel"), labels: $("labels"), progress: $("progress"), progressBar: $("progress-bar"),
  progressLabel: $("progress-label"), queryImage: $("query-image"), queryImagePreview: $("query-image-preview"),
  queryImageName: $("query-image-name"), duplicates: $("duplicates-button"), viewer: $("viewer"),
  keyDialog: $("key-dialog"), keyInput: $("key-input"), keyError: $("key-error"), welcome: $("welcome"),
  welcomeTitle: $("welcome-title"), welcomeFolders: $("welcome-folders"), folderList: $("folder-list"),
  threshold: $("threshold"), thresholdControl: $("threshold-control"),
};

const state = { empty: false, status: null, image: null, like: null, labels: [], offset: 0, done: true, searched: 0, shown: 0, duplicates: false };
let sequence = 0, controller = null, loading = false, debounce = null;
// Infinite scroll: the next page when the sentinel below the grid comes within 400 px of the screen.
const pager = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) loadMore(); }, { rootMargin: "400px" });

// MARK: Messages and states

function showMessage(parts, isError = false) {
  els.message.replaceChildren(...parts.map((part) => {
    if (typeof part === "string") return document.createTextNode(part);
    const code = document.createElement("code");
    code.textContent = part.code;
    return code;
  }));
  els.message.classList.toggle("error", isError);
  els.message.hidden = false;
}

function clearMessage() { els.message.hidden = true; }

function showError(error) {
  if (error instanceof ApiError && error.code === "no_library") {
    showMessage(["This server has no photo library. Start it with ", { code: "clip serve --library DIR --index ~/Pictures" }, "."]);
  } else {
    showMessage([error.message || String(error)], true);
  }
}

// Runs `call`; a 401 asks for the key (again) and retries.
async function withKey(call) {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      await askKey(api.key() ? "That key was not accepted. Try another." : "");
    }
  }
}

function askKey(problem) {
  els.keyError.textContent = problem;
  els.keyError.hidden = !problem;
  els.keyInput.value = "";
  els.keyDialog.showModal();
  return new Promise((resolve) => {
    els.keyDialog.addEventListener("close", () => {
      api.setKey(els.keyInput.value.trim());
      resolve();
    }, { once: true });
  });
}

// The indexer: a progress bar while it works (polled), how to fill an empty library.
async function refreshStatus() {
  const status = await withKey(() => api.json("/v1/index/status"));
  const busy = status.state !== "idle";
  els.progress.hidden = !busy;
  if (busy) {
    els.progressLabel.textContent = status.total ? `Indexing ${status.done} of ${status.total} images…` : "Looking for new and changed images…";
    if (status.total) { els.progressBar.max = status.total; els.progressBar.value = status.done; } else { els.progressBar.removeAttribute("value"); }
    setTimeout(() => refreshStatus().then((s) => { if (s.state === "idle") startSearch(); }).catch(showError), 1000);
  }
  const empty = status.images === 0 && !busy;
  if (empty) {
    const folders = status.folders.length ? status.folders.join(", ") : "~/Pictures";
    showMessage(["The library is empty. Index a folder with ", { code: `clip index --library ${status.library} ${folders}` },
                 ", or start the server with ", { code: `clip serve --library ${status.library} --index ${folders}` }, "."]);
  } else if (state.empty) {
    clearMessage();
  }
  state.empty = empty;
  state.status = status;
  showWelcome();
  return status;
}

const images = (n) => `${n} image${n === 1 ? "" : "s"}`;

// With no query the page would be blank: what the library holds, and what to type or drop. The folders are
// the server's --index ones, each with its count (status names no others).
function showWelcome() {
  const status = state.status;
  els.welcome.hidden = hasQuery() || state.duplicates || !status || status.images === 0;
  if (els.welcome.hidden) return;
  els.welcomeTitle.textContent = `${images(status.images)} in the library`;
  els.welcomeFolders.hidden = status.folders.length === 0;
  els.folderList.replaceChildren(...status.folders.map((folder) => {
    const item = document.createElement("li");
    const pick = document.createElement("button");
    pick.type = "button";
    pick.textContent = folder;
    pick.title = "Search only in this folder";
    const counted = (status.folder_images ?? []).find((entry) => entry.path === folder);
    pick.addEventListener("click", () => { els.folder.value = folder; updateURL(); els.query.focus(); });
    item.append(pick);
    if (counted) item.append(` ${images(counted.images)}`);
    return item;
  }));
}

// MARK: Searching

function hasQuery() { return els.query.value.trim() !== "" || state.image !== null || state.like !== null; }

function updateURL() {
  const params = new URLSearchParams();
  if (els.query.value.trim()) params.set("q", els.query.value.trim());
  if (els.folder.value.trim()) params.set("folder", els.folder.value.trim());
  if (state.like !== null) params.set("like", state.like);
  if (state.labels.length) params.set("labels", state.labels.join(", "));
  const search = params.toString();
  history.replaceState(null, "", search ? `?${search}` : location.pathname);
}

function startSearch() {
  sequence += 1;
  controller?.abort();
  loading = false;
  state.offset = 0; state.shown = 0; state.done = false; state.duplicates = false;
  els.duplicates.setAttribute("aria-pressed", "false");
  els.thresholdControl.hidden = true;
  els.grid.replaceChildren();
  updateURL();
  showWelcome();
  if (!hasQuery()) { els.count.textContent = ""; state.done = true; return; }
  loadMore();
}

async function loadMore() {
  if (loading || state.done || !hasQuery()) return;
  loading = true;
  const mine = sequence;
  controller = new AbortController();
  const signal = controller.signal;
  try {
    const fields = { top_k: PAGE, offset: state.offset };
    if (els.query.value.trim()) fields.query = els.query.value.trim();
    if (els.folder.value.trim()) fields.folder = els.folder.value.trim();
    if (state.like !== null) fields.like = state.like;
    const answer = await withKey(() => {
      if (!state.image) return api.json("/v1/search", { body: fields, signal });
      const form = new FormData();
      form.append("image", state.image);
      for (const [key, value] of Object.entries(fields)) form.append(key, String(value));
      return api.json("/v1/search", { form, signal });
    });
    if (mine !== sequence) return;
    clearMessage();
    const cards = answer.results.map(card);
    els.grid.append(...cards);
    state.offset += answer.results.length;
    state.shown += answer.results.length;
    state.searched = answer.searched;
    state.done = answer.results.length < PAGE || state.offset + PAGE > 10000;
    els.count.textContent = countText(answer.searched);
    if (state.shown === 0) showMessage(["No images match. Try other words, another folder, or clear the image."]);
    if (state.labels.length) classify(answer.results.map((r) => r.id));
  } catch (error) {
    if (error.name !== "AbortError" && mine === sequence) showError(error);
  } finally {
    if (mine === sequence) loading = false;
  }
  // An observer reports changes only: one the last page's frame missed (the sentinel pushed away and scrolled
  // back, as the End key does) would stop the paging. Observing anew reports where the sentinel is now.
  if (mine === sequence && !state.done) { pager.unobserve(els.sentinel); pager.observe(els.sentinel); }
}

// Every search ranks the whole library (or folder): the count says how many of those are shown, best first,
// not how many "matched".
function countText(searched) {
  if (state.shown === 0) return `No images match (searched ${searched})`;
  if (!state.done) return `Best ${state.shown} of ${images(searched)} — more load as you scroll`;
  if (state.shown >= searched) return `All ${images(searched)}, best first`;
  return `Best ${state.shown} of ${images(searched)} — the most one search shows`;
}

const fileName = (path) => path.split("/").pop();

function card(result) {
  const item = document.createElement("li");
  item.dataset.id = result.id;
  const open = document.createElement("button");
  open.className = "thumb";
  open.type = "button";
  open.setAttribute("aria-label", `Open ${fileName(result.path)}`);
  const image = document.createElement("img");
  image.alt = fileName(result.path);
  image.loading = "lazy";
  image.decoding = "async";
  api.imageSource(result.thumbnail_url).then((src) => { image.src = src; }).catch(() => {});
  open.append(image);
  open.addEventListener("click", () => view(result));
  const meta = document.createElement("div");
  meta.className = "meta";
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = fileName(result.path);
  name.title = result.path;
  const score = document.createElement("span");
  score.className = "score";
  score.textContent = result.score === undefined ? "" : `score ${result.score.toFixed(3)}`;
  const label = document.createElement("span");
  label.className = "label";
  const like = document.createElement("button");
  like.className = "like";
  like.type = "button";
  like.textContent = "More like this";
  like.setAttribute("aria-label", `More like ${fileName(result.path)}`);
  like.addEventListener("click", () => moreLike(result.id));
  meta.append(name, score, label, like);
  item.append(open, meta);
  return item;
}

function clearImage() {
  state.image = null;
  els.queryImage.hidden = true;
  els.file.value = "";  // so that picking the same file again is a change
}

function moreLike(id) {
  state.like = id;
  clearImage();
  els.query.value = "";
  startSearch();
  window.scrollTo({ top: 0 });
}

async function view(result) {
  $("viewer-path").textContent = result.path;
  $("viewer-score").textContent = result.score === undefined ? "" : `score ${result.score.toFixed(3)}`;
  const image = $("viewer-image");
  image.alt = fileName(result.path);
  image.removeAttribute("src");
  $("viewer-like").onclick = () => { els.viewer.close(); moreLike(result.id); };
  els.viewer.showModal();
  try { image.src = await api.imageSource(result.image_url); } catch (error) { showError(error); }
}

function searchByImage(file) {
  if (!file || !file.type.startsWith("image/")) return;
  state.image = file;
  state.like = null;
  els.query.value = "";  // an image search is by the image alone (the text box takes the arithmetic)
  els.queryImageName.textContent = `Searching by ${file.name || "pasted image"}`;
  els.queryImagePreview.src = URL.createObjectURL(file);
  els.queryImage.hidden = false;
  startSearch();
}

// MARK: Zero-shot labels and near-duplicates

async function classify(ids) {
  if (!ids.length) return;
  try {
    const answer = await withKey(() => api.json("/v1/classify", { body: { labels: state.labels, ids, top_k: 1 } }));
    for (const result of answer.results) {
      const best = result.predictions[0];
      const label = els.grid.querySelector(`li[data-id="${result.id}"] .label`);
      if (label && best) label.textContent = `${best.label} ${(100 * best.probability).toFixed(0)}%`;
    }
  } catch (error) {
    showError(error);
  }
}

function shownIds() { return [...els.grid.querySelectorAll("li[data-id]")].map((item) => Number(item.dataset.id)); }

// The library's (or the folder's) near-duplicate groups at the threshold given; again on each change of it.
async function showDuplicates() {
  sequence += 1;
  const mine = sequence;
  controller?.abort();
  controller = new AbortController();
  const signal = controller.signal;
  state.duplicates = true;
  state.done = true;
  clearImage();  // the groups are not of any search: a "Searching by" chip left up would say they were
  els.duplicates.setAttribute("aria-pressed", "true");
  els.thresholdControl.hidden = false;
  els.welcome.hidden = true;
  els.grid.replaceChildren();
  els.count.textContent = "Looking for near-duplicates…";
  try {
    const params = new URLSearchParams({ threshold: els.threshold.value });
    if (els.folder.value.trim()) params.set("folder", els.folder.value.trim());
    const answer = await withKey(() => api.json(`/v1/duplicates?${params}`, { signal }));
    if (mine !== sequence) return;
    clearMessage();
    answer.groups.forEach((group, i) => {
      const title = document.createElement("li");
      title.className = "group-title";
      title.textContent = `Group ${i + 1}: ${group.length} near-duplicates`;
      els.grid.append(title, ...group.map(card));
    });
    const grouped = answer.groups.reduce((sum, group) => sum + group.length, 0);
    els.count.textContent = answer.groups.length ? `${answer.groups.length} groups of near-duplicates (${images(grouped)})` : "No near-duplicates";
  } catch (error) {
    if (error.name !== "AbortError" && mine === sequence) showError(error);
  }
}

// MARK: Wiring

function wire() {
  document.getElementById("search-form").addEventListener("submit", (event) => { event.preventDefault(); clearTimeout(debounce); startSearch(); });
  els.query.addEventListener("input", () => {
    state.like = null;
    clearTimeout(debounce);
    debounce = setTimeout(startSearch, 200);
  });
  els.folder.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => (state.duplicates ? showDuplicates() : startSearch()), 300);
  });
  els.file.addEventListener("change", () => searchByImage(els.file.files[0]));
  $("clear-image").addEventListener("click", () => { clearImage(); startSearch(); });
  for (const example of document.querySelectorAll("#welcome .example")) {
    example.addEventListener("click", () => { els.query.value = example.textContent; state.like = null; startSearch(); });
  }
  document.addEventListener("paste", (event) => {
    const item = [...(event.clipboardData?.items ?? [])].find((i) => i.type.startsWith("image/"));
    if (item) { event.preventDefault(); searchByImage(item.getAsFile()); }
  });
  document.addEventListener("dragover", (event) => event.preventDefault());
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    searchByImage([...(event.dataTransfer?.files ?? [])].find((f) => f.type.startsWith("image/")));
  });
  $("classify-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.labels = els.labels.value.split(",").map((l) => l.trim()).filter(Boolean);
    updateURL();
    for (const label of els.grid.querySelectorAll(".label")) label.textContent = "";
    if (state.labels.length) classify(shownIds());
  });
  els.duplicates.addEventListener("click", () => (state.duplicates ? startSearch() : showDuplicates()));
  els.threshold.addEventListener("input", () => {
    clearTimeout(debounce);
    const threshold = els.threshold.valueAsNumber;  // NaN while a number is half typed
    if (state.duplicates && threshold >= 0.8 && threshold <= 0.99) debounce = setTimeout(showDuplicates, 300);
  });
  $("viewer-close").addEventListener("click", () => els.viewer.close());
  pager.observe(els.sentinel);
}

async function start() {
  wire();
  const params = new URLSearchParams(location.search);
  els.query.value = params.get("q") ?? "";
  els.folder.value = params.get("folder") ?? "";
  els.labels.value = params.get("labels") ?? "";
  state.labels = els.labels.value.split(",").map((l) => l.trim()).filter(Boolean);
  if (params.has("like") && Number.isInteger(Number(params.get("like")))) state.like = Number(params.get("like"));
  try {
    const ready = await api.json("/readyz");
    api.auth = ready.auth;
    if (api.auth && !api.key()) await askKey("");
    if (!ready.library) {
      showError(new ApiError(404, "", "no_library"));
      return;
    }
    await refreshStatus();
    if (hasQuery()) startSearch();
  } catch (error) {
    showError(error);
  }
}

start();
