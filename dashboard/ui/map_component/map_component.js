// Isoloir's map: a Streamlit components-v2 module drawing a pydeck deck (every page's map), with an
// optional freehand lasso toolbar, click selection, and a choropleth drawn from geometry tiles fetched
// once from immutable URLs (see dashboard/ui/map_component.py and dashboard/maps/tiles.py).
//
// Paint marker (the browser benchmark's contract): after every frame in which deck.gl drew the map
// with a new set of values, window.isoloirPaints is incremented, performance.mark("isoloir-paint")
// is set and document.documentElement.dataset.isoloirPaint holds the count.
//
// The deck.gl bundle is the one shipped inside the installed `pydeck` package,
// served by the Streamlit server itself (see dashboard/ui/lasso_map.py): never a CDN.
// Streamlit's own st.pydeck_chart ships another deck.gl/luma.gl version, and both
// libraries refuse to initialise when `globalThis.luma` / `globalThis.deck` hold
// another version: the bundle is evaluated with those two globals set aside and
// then put back, so both maps can live on one page, in either loading order.
//
// State sent to Python (one state value, "selection"):
//   {lassos: [{op: "add"|"subtract", coords: [[lon, lat], ...]}], clicked: [key, ...], view: {...}}

// Streamlit's route (no cache header): the fallback when the immutable URL given in the data fails.
const BUNDLE_URL = new URL("../isoloir.deckgl/index.js", import.meta.url).href;
const GUARDED_GLOBALS = ["luma", "deck"];
const MIN_STEP_PX = 3; // a freehand point closer than this to the previous one is dropped
const MAX_POINTS = 500; // points sent per lasso, at most
const MIN_POINTS = 3;
const COORD_DIGITS = 7;
const LASSO_LAYER_ID = "isoloir-lassos";
const CLICKED_LAYER_PREFIX = "isoloir-clicked-";
const COLORS = {
  add: { fill: [31, 78, 121, 45], line: [31, 78, 121, 255] },
  subtract: { fill: [178, 34, 34, 45], line: [178, 34, 34, 255] },
};
const DEFAULT_LABELS = {
  lasso: "Lasso",
  add: "Ajouter",
  subtract: "Retirer",
  clear: "Effacer",
  hint: "Dessinez un contour fermé sur la carte",
  error: "Carte indisponible",
};
const SVG_NS = "http://www.w3.org/2000/svg";

const instances = new WeakMap(); // parentElement -> instance
// Last view of each map (by Python key) and the initial view it was reached from:
// a remounted map (a page left and reopened) reopens where the user left it.
const savedViews = globalThis.__isoloirLassoViews || (globalThis.__isoloirLassoViews = new Map());

// -- the deck.gl bundle -------------------------------------------------------------
async function fetchBundle(preferred) {
  // the content-addressed URL (immutable: the browser keeps it), else Streamlit's own route
  const urls = typeof preferred === "string" && preferred.startsWith("/") ? [preferred, BUNDLE_URL] : [BUNDLE_URL];
  let failure = null;
  for (const url of urls) {
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      // a bare Streamlit server answers an unknown path with its HTML page (200): not the bundle
      const type = response.headers.get("content-type") || "";
      if (response.ok && type.includes("javascript")) return await response.text();
      failure = new Error(`deck.gl: HTTP ${response.status} ${type}`);
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}

function loadBundle(preferred) {
  if (globalThis.__isoloirDeckGL) return globalThis.__isoloirDeckGL;
  const promise = (async () => {
    const source = await fetchBundle(preferred);
    return new Promise((resolve, reject) => {
      const callback = `__isoloirDeckGLLoaded${Math.random().toString(36).slice(2)}`;
      const guarded = JSON.stringify(GUARDED_GLOBALS);
      // One synchronous evaluation: nothing else can run between the swap and the restore.
      const wrapped = `(function () {
  var names = ${guarded}, saved = {}, own = {}, i;
  for (i = 0; i < names.length; i++) {
    saved[names[i]] = Object.getOwnPropertyDescriptor(globalThis, names[i]);
    delete globalThis[names[i]];
  }
  var module = { exports: {} }, exports = module.exports, define = undefined, failure = null;
  try {
${source}
  } catch (error) { failure = error; }
  finally {
    for (i = 0; i < names.length; i++) {
      own[names[i]] = globalThis[names[i]];
      delete globalThis[names[i]];
      if (saved[names[i]]) Object.defineProperty(globalThis, names[i], saved[names[i]]);
    }
  }
  globalThis[${JSON.stringify(callback)}](failure, module.exports, own);
})();
//# sourceURL=isoloir-deckgl-bundle.js
`;
      const url = URL.createObjectURL(new Blob([wrapped], { type: "text/javascript" }));
      const script = document.createElement("script");
      globalThis[callback] = (failure, api) => {
        delete globalThis[callback];
        URL.revokeObjectURL(url);
        script.remove();
        if (failure) reject(failure);
        else if (!api || typeof api.createDeck !== "function") reject(new Error("deck.gl: createDeck missing"));
        else resolve(api);
      };
      script.src = url;
      script.onerror = () => {
        delete globalThis[callback];
        reject(new Error("deck.gl: bundle failed to load"));
      };
      document.head.appendChild(script);
    });
  })();
  globalThis.__isoloirDeckGL = promise;
  promise.catch(() => {
    if (globalThis.__isoloirDeckGL === promise) delete globalThis.__isoloirDeckGL; // retry on the next mount
  });
  return promise;
}

// deck.gl JSON (pydeck's "@@type", "@@=accessor", ...) to deck props, without touching a deck.
function convert(api, json) {
  let props = null;
  api.updateDeck(json, { setProps: (converted) => { props = converted; } });
  return props || {};
}

// -- tooltips: the deck's template, values HTML-escaped (as st.pydeck_chart does) ---------
const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };
function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function interpolate(template, object, escape) {
  return template.replace(/{(.*?)}/g, (match, name) => {
    let value;
    if (Object.prototype.hasOwnProperty.call(object, name)) value = object[name];
    else if (object.properties && typeof object.properties === "object"
             && Object.prototype.hasOwnProperty.call(object.properties, name)) value = object.properties[name];
    else return match;
    return escape ? escapeHtml(value) : String(value);
  });
}

function tooltipFunction(tooltip, objectOf) {
  if (!tooltip || typeof tooltip !== "object" || (!tooltip.html && !tooltip.text)) return null;
  return (info) => {
    if (!info || !info.picked || !info.object || typeof info.object !== "object") return null;
    const object = objectOf ? objectOf(info) : info.object;
    if (!object || typeof object !== "object") return null;
    const out = {};
    if (tooltip.style) out.style = tooltip.style;
    if (tooltip.html) out.html = interpolate(String(tooltip.html), object, true);
    else out.text = interpolate(String(tooltip.text), object, false); // shown with innerText
    return out;
  };
}

// -- geometry helpers -------------------------------------------------------------------
function simplify(points) {
  // points already at least MIN_STEP_PX apart; thin evenly past MAX_POINTS
  if (points.length <= MAX_POINTS) return points;
  const out = [];
  const step = points.length / MAX_POINTS;
  for (let i = 0; i < MAX_POINTS; i++) out.push(points[Math.floor(i * step)]);
  return out;
}

function round(value) {
  const f = 10 ** COORD_DIGITS;
  return Math.round(value * f) / f;
}

function clampLonLat([lon, lat]) {
  return [round(Math.max(-180, Math.min(180, lon))), round(Math.max(-85.051129, Math.min(85.051129, lat)))];
}

function viewSignature(view) {
  if (!view || typeof view !== "object") return "";
  const keys = ["longitude", "latitude", "zoom", "pitch", "bearing"];
  return JSON.stringify(keys.map((k) => (typeof view[k] === "number" ? view[k] : null)));
}

function plainView(view) {
  const out = {};
  for (const k of ["longitude", "latitude", "zoom", "pitch", "bearing"]) {
    if (typeof view?.[k] === "number" && Number.isFinite(view[k])) out[k] = round(view[k]);
  }
  return out;
}

function validState(state) {
  const out = { lassos: [], clicked: [] };
  if (!state || typeof state !== "object") return out;
  if (Array.isArray(state.lassos)) {
    for (const lasso of state.lassos) {
      if (lasso && (lasso.op === "add" || lasso.op === "subtract") && Array.isArray(lasso.coords)
          && lasso.coords.length >= MIN_POINTS) {
        out.lassos.push({ op: lasso.op, coords: lasso.coords.map((p) => [Number(p[0]), Number(p[1])]) });
      }
    }
  }
  if (Array.isArray(state.clicked)) out.clicked = state.clicked.filter((k) => typeof k === "string");
  return out;
}

// -- geometry tiles -----------------------------------------------------------------------------
// Tiles by URL template, across maps and reruns (the browser's HTTP cache keeps them across visits).
const geoTiles = globalThis.__isoloirGeoTiles || (globalThis.__isoloirGeoTiles = new Map());

function base64Bytes(text) {
  const raw = atob(text || "");
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

// The tile format of dashboard/maps/tiles.py: "ISGT", uint32 header length, JSON header, varints.
function decodeTile(buffer) {
  const bytes = new Uint8Array(buffer);
  if (String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]) !== "ISGT") throw new Error("contours : format inconnu");
  const length = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  let pos = 8 + length;
  const varint = () => {
    let value = 0;
    let scale = 1;
    let byte;
    do {
      byte = bytes[pos++];
      value += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte & 0x80);
    return value;
  };
  const parts = [];
  let x = 0;
  let y = 0;
  for (let f = 0; f < header.n; f++) {
    const nParts = varint();
    for (let k = 0; k < nParts; k++) {
      const nRings = varint();
      const holes = [];
      const coords = [];
      for (let r = 0; r < nRings; r++) {
        const n = varint();
        if (r > 0) holes.push(coords.length);
        for (let j = 0; j < n; j++) {
          const dx = varint();
          const dy = varint();
          x += dx % 2 ? -(dx + 1) / 2 : dx / 2;
          y += dy % 2 ? -(dy + 1) / 2 : dy / 2;
          coords.push(x, y);
        }
      }
      parts.push({ f, p: holes.length ? { positions: coords, holeIndices: holes } : coords });
    }
  }
  return { header, parts };
}

// Integer grid positions to Web Mercator common space on the GPU (as layers/choropleth.py's position_props).
function positionProps(header) {
  const s = header.step;
  return {
    coordinateSystem: "cartesian",
    coordinateOrigin: [header.origin[0], header.origin[1], 0],
    modelMatrix: [s, 0, 0, 0, 0, s, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
    positionFormat: "XY",
  };
}

function countPaint() {
  globalThis.isoloirPaints = (globalThis.isoloirPaints || 0) + 1;
  try { performance.mark("isoloir-paint"); } catch (_) { /* no performance timeline */ }
  document.documentElement.dataset.isoloirPaint = String(globalThis.isoloirPaints);
}

// -- one map ------------------------------------------------------------------------------
class LassoMap {
  constructor(parent) {
    this.parent = parent;
    this.deck = null;
    this.api = null;
    this.deckHash = null;
    this.viewSig = "";
    this.baseLayers = [];
    this.lassos = [];
    this.clicked = new Set();
    this.mode = false;
    this.op = "add";
    this.drawing = null;
    this.view = null;
    this.setStateValue = () => {};
    this.data = {};
    this.disposed = false;
    this.build();
  }

  build() {
    const root = document.createElement("div");
    root.className = "lm-root";
    const toolbar = document.createElement("div");
    toolbar.className = "lm-toolbar";
    toolbar.setAttribute("role", "toolbar");
    this.lassoButton = this.button("lasso", () => this.setMode(!this.mode));
    const group = document.createElement("div");
    group.className = "lm-group";
    group.setAttribute("role", "group");
    this.addButton = this.button("add", () => { this.op = "add"; this.setMode(true); });
    this.subtractButton = this.button("subtract", () => { this.op = "subtract"; this.setMode(true); });
    group.append(this.addButton, this.subtractButton);
    this.clearButton = this.button("clear", () => this.clear());
    this.status = document.createElement("span");
    this.status.className = "lm-status";
    this.status.setAttribute("aria-live", "polite");
    toolbar.append(this.lassoButton, group, this.clearButton, this.status);

    const map = document.createElement("div");
    map.className = "lm-map";
    const deckContainer = document.createElement("div");
    deckContainer.className = "lm-deck";
    const overlay = document.createElementNS(SVG_NS, "svg");
    overlay.setAttribute("class", "lm-overlay");
    overlay.setAttribute("data-testid", "lasso-overlay");
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("class", "lm-path");
    overlay.appendChild(path);
    const message = document.createElement("div");
    message.className = "lm-message";
    map.append(deckContainer, overlay, message);
    root.append(toolbar, map);
    this.parent.appendChild(root);
    Object.assign(this, { root, toolbar, map, deckContainer, overlay, path, message });

    deckContainer.addEventListener("pointerdown", (e) => this.onPress(e), true);
    deckContainer.addEventListener("click", (e) => this.onNativeClick(e));
    overlay.addEventListener("pointerdown", (e) => this.onPointerDown(e));
    overlay.addEventListener("pointermove", (e) => this.onPointerMove(e));
    overlay.addEventListener("pointerup", (e) => this.onPointerUp(e));
    overlay.addEventListener("pointercancel", (e) => this.onPointerCancel(e));
    overlay.addEventListener("lostpointercapture", (e) => this.onPointerUp(e));
    root.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.mode) {
        this.cancelDrawing();
        this.setMode(false);
      }
    });
  }

  button(name, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `lm-button lm-${name}`;
    b.dataset.action = name;
    b.addEventListener("click", onClick);
    return b;
  }

  labels() {
    return { ...DEFAULT_LABELS, ...(this.data.labels || {}) };
  }

  tools() {
    return this.data.tools !== false;
  }

  selectMode() {
    return ["toggle", "single", "none"].includes(this.data.select) ? this.data.select : "toggle";
  }

  refreshToolbar() {
    const labels = this.labels();
    this.lassoButton.textContent = labels.lasso;
    this.addButton.textContent = labels.add;
    this.subtractButton.textContent = labels.subtract;
    this.clearButton.textContent = labels.clear;
    this.lassoButton.setAttribute("aria-pressed", String(this.mode));
    this.addButton.setAttribute("aria-pressed", String(this.op === "add"));
    this.subtractButton.setAttribute("aria-pressed", String(this.op === "subtract"));
    this.clearButton.disabled = this.lassos.length === 0 && this.clicked.size === 0;
    this.root.dataset.mode = this.mode ? this.op : "pan";
    this.toolbar.style.display = this.tools() ? "" : "none";
    this.root.dataset.tools = String(this.tools());
    this.status.textContent = this.mode ? labels.hint : "";
  }

  setMode(on) {
    this.mode = on;
    if (!on) this.cancelDrawing();
    this.overlay.style.display = on ? "block" : "none";
    if (this.deck && on !== this.drawnMode) this.deck.setProps({ layers: this.allLayers() });
    this.drawnMode = on;
    this.refreshToolbar();
  }

  // -- data from Python --------------------------------------------------------------
  update(data, setStateValue) {
    // one update at a time: a rerun may bring new data while the bundle is still loading
    this.chain = (this.chain || Promise.resolve()).then(() => this.apply(data, setStateValue));
    return this.chain;
  }

  async apply(data, setStateValue) {
    if (this.disposed) return;
    this.data = data || {};
    this.setStateValue = setStateValue;
    const height = Number(this.data.height) > 0 ? Number(this.data.height) : 620;
    const cssHeight = typeof this.data.css_height === "string" ? this.data.css_height : "";
    this.map.style.height = cssHeight || `${height}px`;
    this.map.style.minHeight = cssHeight ? "240px" : "";
    this.root.dataset.ready = "false";
    if (this.deckHash === null) {
      const initial = validState(this.data.state);
      this.lassos = initial.lassos;
      this.clicked = new Set(initial.clicked);
    }
    this.setMode(this.mode);
    const deckChanged = !(this.data.deck_hash === this.deckHash && this.deck);
    if (deckChanged && !(await this.applyDeck())) return;
    let geoChanged = false;
    try {
      geoChanged = await this.applyGeo();
    } catch (error) {
      this.fail(error);
      return;
    }
    if (this.disposed) return;
    if (deckChanged || geoChanged) {
      this.paintPending = true;
      this.deck.redraw(true);
    }
    this.message.textContent = "";
    this.message.style.display = "none";
    this.root.dataset.ready = "true";
  }

  async applyDeck() {
    let api;
    try {
      api = await loadBundle(this.data.bundle_url);
    } catch (error) {
      this.fail(error);
      return false;
    }
    if (this.disposed) return false;
    this.api = api;
    let json;
    try {
      json = JSON.parse(this.data.deck);
    } catch (error) {
      this.fail(error);
      return false;
    }
    if (json.mapStyle === "__MAP_STYLE__") delete json.mapStyle; // pydeck's "no basemap" placeholder
    const sig = viewSignature(json.initialViewState);
    const provider = json.mapProvider || null;
    if (!this.deck || provider !== this.provider) await this.whenSized();
    if (this.disposed) return false;
    try {
      if (!this.deck || provider !== this.provider) {
        this.createDeck(json, sig, provider);
      } else {
        const converted = convert(api, { layers: json.layers || [], views: json.views });
        const props = { layers: converted.layers || [], views: converted.views };
        if (sig !== this.viewSig) {
          props.initialViewState = convert(api, { initialViewState: json.initialViewState }).initialViewState;
          this.view = null;
        }
        if ("mapStyle" in json) props.mapStyle = json.mapStyle;
        this.baseLayers = (props.layers || []).filter(Boolean);
        this.deck.setProps({ ...props, layers: this.allLayers(), getTooltip: this.tooltip() });
      }
    } catch (error) {
      this.fail(error);
      return false;
    }
    this.viewSig = sig;
    this.deckHash = this.data.deck_hash;
    return true;
  }

  tooltip() {
    return tooltipFunction(this.data.tooltip, (info) => this.objectOf(info));
  }

  // -- the choropleth from geometry tiles (dashboard/maps/tiles.py) -----------------------------
  // Returns whether new values were set (a paint to count once drawn).
  async applyGeo() {
    const geo = this.data.geo && typeof this.data.geo === "object" ? this.data.geo : null;
    const sig = geo ? JSON.stringify(geo) : "";
    if (sig === this.geoSig) return false;
    this.geoSig = sig;
    this.geo = geo;
    if (!geo) {
      this.geoLayers = [];
      this.deck.setProps({ layers: this.allLayers() });
      return false;
    }
    for (const group of geo.groups) {
      group.cls = base64Bytes(group.c);
      const bytes = base64Bytes(group.t);
      group.txt = geo.text_bytes === 1 ? bytes : new Uint16Array(bytes.buffer, 0, bytes.length >> 1);
    }
    const level = Number.isInteger(geo.level) ? geo.level : 0;
    await Promise.all(geo.groups.map((group) => this.ensureTile(group, level)));
    if (this.disposed || this.geo !== geo) return false;
    this.buildGeoLayers();
    this.deck.setProps({ layers: this.allLayers() });
    return true;
  }

  ensureTile(group, level) {
    const known = geoTiles.get(group.path);
    if (known && known.level <= level) return known.promise; // as fine or finer: kept
    const url = group.path.replace("{level}", String(level));
    const promise = fetch(url, { credentials: "same-origin" }).then((response) => {
      if (!response.ok) throw new Error(`contours : HTTP ${response.status}`);
      return response.arrayBuffer();
    }).then((buffer) => decodeTile(buffer));
    const entry = { level, promise };
    geoTiles.set(group.path, entry);
    promise.then((tile) => { entry.tile = tile; }, () => {
      if (geoTiles.get(group.path) === entry) {
        if (known) geoTiles.set(group.path, known);
        else geoTiles.delete(group.path);
      }
    });
    return promise.then(() => entry.tile);
  }

  levelFor(zoom, latitude) {
    const geo = this.geo;
    const budget = geo.max_error_px * 78271.517 * Math.cos((latitude * Math.PI) / 180) / 2 ** zoom;
    let chosen = geo.levels[0][0];
    for (const [level, tolerance] of geo.levels) if (tolerance <= budget) chosen = level;
    return chosen;
  }

  // Zoomed in: the tiles in view are fetched again at the finer level the zoom needs.
  scheduleRefine() {
    clearTimeout(this.refineTimer);
    this.refineTimer = setTimeout(() => this.refine().catch((error) => console.error("Isoloir map:", error)), 250);
  }

  async refine() {
    const geo = this.geo;
    const viewport = this.deck && this.geo ? this.deck.getViewports()[0] : null;
    if (!viewport) return;
    const level = this.levelFor(viewport.zoom, viewport.latitude);
    const [west, south, east, north] = viewport.getBounds();
    const wanted = geo.groups.filter((group) => {
      const [minLon, minLat, maxLon, maxLat] = group.bounds;
      const known = geoTiles.get(group.path);
      return maxLon >= west && minLon <= east && maxLat >= south && minLat <= north && (!known || known.level > level);
    });
    if (!wanted.length) return;
    await Promise.all(wanted.map((group) => this.ensureTile(group, level)));
    if (this.disposed || this.geo !== geo) return;
    this.buildGeoLayers();
    this.deck.setProps({ layers: this.allLayers() });
  }

  buildGeoLayers() {
    const geo = this.geo;
    if (!this.polygonBase) {
      this.polygonBase = convert(this.api, { layers: [{ "@@type": "PolygonLayer", id: "isoloir-base", data: [] }] }).layers[0];
    }
    const palette = geo.palette.map((c) => [c[0], c[1], c[2], 255]);
    const noData = [...geo.nodata, 255];
    const hidden = [0, 0, 0, 0];
    const colour = (code) => (code === 0 ? hidden : code === 1 ? noData : palette[code - 2] || noData);
    const lineWidth = Number(geo.line_px) || 0;
    const layers = [];
    const outlines = [];
    this.geoByLayer = new Map();
    geo.groups.forEach((group, index) => {
      const entry = geoTiles.get(group.path);
      const tile = entry && entry.tile;
      if (!tile || tile.header.n !== group.n) return;
      const cls = group.cls;
      // the same stations drawn as before (a new measure or classes): the same data, no new tessellation
      const same = tile.drawnFrom && tile.drawnFrom.length === cls.length
        && cls.every((code, i) => (code === 0) === (tile.drawnFrom[i] === 0));
      if (!same) {
        tile.drawn = tile.parts.filter((part) => cls[part.f] !== 0);
        tile.drawnFrom = cls;
      }
      const data = tile.drawn;
      const id = `${geo.layer}#${index}`;
      const position = positionProps(tile.header);
      this.geoByLayer.set(id, { group, tile });
      layers.push(this.polygonBase.clone({
        id,
        data,
        ...position,
        getPolygon: (d) => d.p,
        getFillColor: (d) => colour(cls[d.f]),
        getLineColor: [255, 255, 255],
        getLineWidth: lineWidth,
        lineWidthUnits: "pixels",
        filled: true,
        stroked: lineWidth > 0,
        opacity: Number(geo.opacity) || 0.75,
        pickable: true,
        autoHighlight: true,
        updateTriggers: { getFillColor: group.c },
      }));
      const selected = geo.selected ? tile.header.ids.indexOf(geo.selected) : -1;
      if (selected >= 0 && cls[selected] !== 0) {
        outlines.push(this.polygonBase.clone({
          id: `selection#${index}`,
          data: tile.parts.filter((part) => part.f === selected),
          ...position,
          getPolygon: (d) => d.p,
          filled: false,
          stroked: true,
          getLineColor: [20, 20, 20],
          getLineWidth: 4,
          lineWidthUnits: "pixels",
          pickable: false,
        }));
      }
    });
    this.geoLayers = [...layers, ...outlines];
  }

  // What a tooltip and a click read of a picked object: a tile's station as {n, i, b, v}.
  objectOf(info) {
    const found = info && info.layer && this.geoByLayer ? this.geoByLayer.get(info.layer.id) : null;
    if (!found || !info.object || typeof info.object.f !== "number") return info ? info.object : null;
    const { group, tile } = found;
    const f = info.object.f;
    const number = this.geo.with_commune ? `${tile.header.numbers[f]} (${tile.header.communes[f]})` : tile.header.numbers[f];
    return { n: tile.header.names[f], i: tile.header.ids[f], b: number, v: this.geo.texts[group.txt[f]] ?? "" };
  }

  // A deck created in a container not yet laid out (Streamlit mounting the element anew, e.g.
  // when it moves in the page) keeps a 300x150 canvas and no viewport: wait for a real size.
  whenSized() {
    const ready = () => this.disposed
      || (this.deckContainer.isConnected && this.deckContainer.clientWidth > 0 && this.deckContainer.clientHeight > 0);
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const observer = new ResizeObserver(() => {
        if (ready()) {
          observer.disconnect();
          resolve();
        }
      });
      observer.observe(this.deckContainer);
    });
  }

  createDeck(json, sig, provider) {
    if (this.deck) {
      this.deck.finalize();
      this.deckContainer.replaceChildren();
    }
    // createDeck adds an (empty) widget overlay before its container, once per deck
    for (const extra of this.map.querySelectorAll(".deckgl-ui-elements-overlay")) extra.remove();
    const saved = savedViews.get(this.data.instance);
    if (saved && saved.sig === sig && json.initialViewState) {
      json.initialViewState = { ...json.initialViewState, ...saved.view };
      this.view = saved.view;
    } else {
      this.view = null;
    }
    this.provider = provider;
    this.deck = this.api.createDeck({
      container: this.deckContainer,
      jsonInput: json,
      tooltip: null,
      showError: true,
    });
    if (!this.deck) throw new Error("deck.gl: createDeck failed");
    this.baseLayers = (this.deck.props.layers || []).filter(Boolean);
    this.deck.setProps({
      layers: this.allLayers(),
      getTooltip: this.tooltip(),
      onAfterRender: () => {
        if (this.paintPending) {
          this.paintPending = false;
          this.root.dataset.painted = String((Number(this.root.dataset.painted) || 0) + 1);
          countPaint();
        }
      },
      onViewStateChange: ({ viewState }) => {
        this.view = plainView(viewState);
        savedViews.set(this.data.instance, { sig: this.viewSig, view: this.view });
        if (this.geo) this.scheduleRefine();
      },
    });
  }

  fail(error) {
    console.error("Isoloir lasso map:", error);
    this.message.textContent = `${this.labels().error} : ${error && error.message ? error.message : error}`;
    this.message.style.display = "block";
    this.root.dataset.ready = "error";
  }

  // -- layers ----------------------------------------------------------------------------
  keyField() {
    return typeof this.data.key_field === "string" && this.data.key_field ? this.data.key_field : "i";
  }

  clickable(layer) {
    if (!layer || !layer.props || !layer.props.pickable) return false;
    const ids = this.data.click_layers;
    const id = this.geoByLayer && this.geoByLayer.has(layer.id) ? this.geo.layer : layer.id;
    return !Array.isArray(ids) || ids.includes(id);
  }

  allLayers() {
    const extra = [];
    if (this.clicked.size && this.selectMode() === "toggle") {
      const field = this.keyField();
      for (const layer of this.baseLayers) {
        if (!this.clickable(layer) || !Array.isArray(layer.props.data) || typeof layer.clone !== "function") continue;
        const chosen = layer.props.data.filter((d) => d && this.clicked.has(String(d[field])));
        if (!chosen.length) continue;
        extra.push(layer.clone({
          id: CLICKED_LAYER_PREFIX + layer.id,
          data: chosen,
          filled: false,
          stroked: true,
          getLineColor: [20, 20, 20, 255],
          getLineWidth: 3,
          lineWidthUnits: "pixels",
          lineWidthMinPixels: 0,
          pickable: false,
          autoHighlight: false,
          opacity: 1,
        }));
      }
    }
    if (this.lassos.length && this.api) {
      const records = this.lassos.map((l) => ({ p: l.coords, f: COLORS[l.op].fill, l: COLORS[l.op].line }));
      const converted = convert(this.api, {
        layers: [{
          "@@type": "PolygonLayer",
          id: LASSO_LAYER_ID,
          data: records,
          getPolygon: "@@=p",
          getFillColor: "@@=f",
          getLineColor: "@@=l",
          getLineWidth: 2,
          lineWidthUnits: "pixels",
          filled: true,
          stroked: true,
          pickable: false,
        }],
      });
      extra.push(...(converted.layers || []).filter(Boolean));
    }
    // no hover highlight while drawing (a fresh clone: deck.gl clears it when autoHighlight changes)
    const base = this.mode
      ? this.baseLayers.map((l) => (l.props.autoHighlight && typeof l.clone === "function" ? l.clone({ autoHighlight: false }) : l))
      : this.baseLayers;
    const geo = this.geoLayers || [];
    const under = base.findIndex((l) => l && l.id === "fond") + 1; // the plain background, when no basemap
    return [...base.slice(0, under), ...geo, ...base.slice(under), ...extra];
  }

  redraw() {
    if (this.deck) this.deck.setProps({ layers: this.allLayers() });
    this.refreshToolbar();
  }

  // -- state to Python --------------------------------------------------------------------
  currentView() {
    if (this.view) return this.view;
    const vp = this.deck && this.deck.getViewports ? this.deck.getViewports()[0] : null;
    return vp ? plainView(vp) : {};
  }

  send() {
    this.setStateValue("selection", {
      lassos: this.lassos.map((l) => ({ op: l.op, coords: l.coords })),
      clicked: [...this.clicked],
      view: this.currentView(),
    });
  }

  clear() {
    this.cancelDrawing();
    if (!this.lassos.length && !this.clicked.size) return;
    this.lassos = [];
    this.clicked = new Set();
    this.redraw();
    this.send();
  }

  // Clicks are read from the browser's own click event, not deck.gl's onClick: deck.gl only
  // reports a press shorter than 250 ms (and waits to rule out a double click), so a click
  // on a busy page (a rerun drawing) could be lost. A press that moved is a pan, not a click.
  onPress(e) {
    this.press = { x: e.clientX, y: e.clientY };
  }

  onNativeClick(e) {
    const press = this.press;
    this.press = null;
    if (this.mode || !this.deck || e.detail > 1 || !press) return; // a double click zooms (once toggled)
    if (Math.hypot(e.clientX - press.x, e.clientY - press.y) > 6) return;
    const [x, y] = this.localPoint(e);
    this.onClick(this.deck.pickObject({ x, y, radius: 2 }));
  }

  onClick(info) {
    const mode = this.selectMode();
    if (this.mode || mode === "none" || !info || !info.object || !this.clickable(info.layer)) return;
    const object = this.objectOf(info);
    const value = object ? object[this.keyField()] : undefined;
    if (value === undefined || value === null || value === "") return;
    const key = String(value);
    if (mode === "single") {
      if (this.clicked.size === 1 && this.clicked.has(key)) return;
      this.clicked = new Set([key]);
    } else if (this.clicked.has(key)) this.clicked.delete(key);
    else this.clicked.add(key);
    this.redraw();
    this.send();
  }

  // -- drawing ------------------------------------------------------------------------------
  localPoint(e) {
    const rect = this.deckContainer.getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top];
  }

  onPointerDown(e) {
    if (!this.mode || this.drawing || !this.deck) return;
    if (e.pointerType === "mouse" && e.button !== 0) return;
    e.preventDefault();
    try { this.overlay.setPointerCapture(e.pointerId); } catch (_) { /* synthetic pointers */ }
    this.drawing = { id: e.pointerId, points: [this.localPoint(e)] };
    this.drawPath();
  }

  onPointerMove(e) {
    if (!this.drawing || e.pointerId !== this.drawing.id) return;
    e.preventDefault();
    const events = typeof e.getCoalescedEvents === "function" ? e.getCoalescedEvents() : [];
    for (const event of events.length ? events : [e]) {
      const point = this.localPoint(event);
      const last = this.drawing.points[this.drawing.points.length - 1];
      if (Math.hypot(point[0] - last[0], point[1] - last[1]) >= MIN_STEP_PX) this.drawing.points.push(point);
    }
    this.drawPath();
  }

  onPointerUp(e) {
    if (!this.drawing || e.pointerId !== this.drawing.id) return;
    const { points } = this.drawing;
    this.drawing = null;
    this.drawPath();
    if (e.type === "pointerup") {
      const point = this.localPoint(e);
      const last = points[points.length - 1];
      if (Math.hypot(point[0] - last[0], point[1] - last[1]) >= MIN_STEP_PX) points.push(point);
    }
    this.finish(points);
  }

  onPointerCancel(e) {
    if (this.drawing && e.pointerId === this.drawing.id) this.cancelDrawing();
  }

  cancelDrawing() {
    this.drawing = null;
    this.drawPath();
  }

  drawPath() {
    const pts = this.drawing ? this.drawing.points : [];
    this.path.setAttribute("d", pts.length ? `M${pts.map((p) => `${p[0]},${p[1]}`).join("L")}Z` : "");
  }

  finish(points) {
    if (points.length < MIN_POINTS || !this.deck) return;
    const viewport = this.deck.getViewports()[0];
    if (!viewport) return;
    const coords = [];
    for (const [x, y] of simplify(points)) {
      const lonLat = viewport.unproject([x, y]);
      if (!lonLat || !Number.isFinite(lonLat[0]) || !Number.isFinite(lonLat[1])) return;
      const point = clampLonLat(lonLat);
      const last = coords[coords.length - 1];
      if (!last || last[0] !== point[0] || last[1] !== point[1]) coords.push(point);
    }
    if (coords.length < MIN_POINTS) return;
    this.lassos.push({ op: this.op, coords });
    this.redraw();
    this.send();
  }

  dispose() {
    this.disposed = true;
    if (this.deck) this.deck.finalize();
    this.deck = null;
    this.root.remove();
  }
}

export default function isoloirMap(component) {
  const { data, parentElement, setStateValue } = component;
  let instance = instances.get(parentElement);
  if (!instance) {
    instance = new LassoMap(parentElement);
    instances.set(parentElement, instance);
  }
  instance.update(data, setStateValue);
  // Streamlit also calls this cleanup when new data arrived while the module was still loading
  // (its effect restarted, the element stays): the map is only disposed once off the page.
  return () => {
    const release = () => {
      if (parentElement.isConnected || instance.disposed) return;
      if (instances.get(parentElement) === instance) instances.delete(parentElement);
      instance.dispose();
    };
    if (parentElement.isConnected) setTimeout(release, 0);
    else release();
  };
}
