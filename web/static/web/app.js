// hitrec's one script: progressive enhancements over working HTML forms; nothing external.
"use strict";

function csrfToken() {
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  return field ? field.value : "";
}

// The page's words for what this script writes, in the reader's language: base.html carries
// them, translated, as data attributes of #js-text ("{name}" marks where a value goes).
function t(key, values = {}) {
  const box = document.getElementById("js-text");
  const text = (box && box.dataset[key]) || key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

// Numbers as the reader writes them (1.5 MB / 1,5 MB).
function decimal(value, digits = 1) {
  const lang = document.documentElement.lang || undefined;
  return new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

function percent(fraction) {
  return new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "percent" }).format(fraction);
}

async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${response.status} ${url}`);
  return response.json();
}

// Upload with a real progress bar: bytes sent, then the server's answer.
function enhanceUpload(form) {
  const bar = form.querySelector("[data-upload-progress]");
  const status = form.querySelector("[data-upload-status]");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    bar.hidden = false;
    bar.value = 0;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) {
        bar.value = Math.round((100 * e.loaded) / e.total);
        status.textContent = t("uploadingProgress", { percent: percent(bar.value / 100), sent: decimal(e.loaded / 1e6), total: decimal(e.total / 1e6) });
      }
    });
    xhr.addEventListener("load", () => {
      if (xhr.responseURL && new URL(xhr.responseURL).pathname !== window.location.pathname) {
        window.location.assign(xhr.responseURL); // the new contribution's page
        return;
      }
      // The form came back with its errors: show them in place.
      const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      const main = page.querySelector("main");
      if (main) {
        document.querySelector("main").replaceWith(main);
        init(main);
        // The focus went with the old form: put it on the first field refused (its error
        // describes it, so it is read out), or on the form's own errors.
        const refused = main.querySelector("[aria-invalid=true]") || main.querySelector(".errorlist");
        if (refused) {
          if (!refused.matches("input, select, textarea")) refused.tabIndex = -1;
          refused.focus();
        }
      } else {
        status.textContent = t("uploadRefused", { status: xhr.status });
      }
    });
    xhr.addEventListener("error", () => { status.textContent = t("uploadFailed"); });
    status.textContent = t("uploading");
    xhr.send(new FormData(form));
  });
}

// The audio waveform, drawn from the peaks the pipeline computed.
async function drawWaveform(box) {
  const data = await getJSON(box.dataset.waveform);
  const peaks = data.data || [];
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 -1 ${peaks.length} 2`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "waveform-svg");
  const path = peaks.map(([low, high], i) => `M${i} ${-high}V${-low}`).join("");
  const line = document.createElementNS(ns, "path");
  line.setAttribute("d", path);
  line.setAttribute("vector-effect", "non-scaling-stroke");
  svg.appendChild(line);
  box.appendChild(svg);
}

// Sources by search, and the licenses the chosen sources allow.
function enhanceSources(form) {
  const search = form.querySelector("[data-source-search]");
  const results = form.querySelector("[data-source-results]");
  const sources = form.querySelector("input[name=sources]");
  const explanation = form.querySelector("[data-license-explanation]");
  const license = form.querySelector("select[name=license]");
  const ids = () => sources.value.split(/[\s,]+/).filter(Boolean);
  const refreshLicenses = async () => {
    const chosen = ids();
    if (!chosen.length) return;
    const answer = await getJSON(`/api/licenses/allowed/?sources=${chosen.join(",")}`);
    explanation.textContent = answer.explanation;
    const allowed = new Set(answer.allowed.map((l) => l.slug));
    for (const option of license.options) option.disabled = !allowed.has(option.value);
    if (license.selectedOptions[0] && license.selectedOptions[0].disabled) {
      const first = [...license.options].find((o) => !o.disabled);
      if (first) license.value = first.value;
    }
  };
  let timer;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      results.replaceChildren();
      if (search.value.trim().length < 2) return;
      const page = await getJSON(`/api/contributions/?search=${encodeURIComponent(search.value)}&page_size=8`);
      for (const work of page.results) {
        const item = document.createElement("li");
        const add = document.createElement("button");
        add.type = "button";
        add.textContent = t("addSource", { title: work.title, name: work.author.username, license: work.license });
        add.dir = "auto";
        add.addEventListener("click", () => {
          if (!ids().includes(String(work.id))) sources.value = [...ids(), work.id].join(", ");
          item.remove();
          refreshLicenses();
        });
        item.appendChild(add);
        results.appendChild(item);
      }
    }, 250);
  });
  sources.addEventListener("change", refreshLicenses);
  refreshLicenses();
}

// The producer's desk: the split as it would be, live, while weights change.
function enhanceDesk(form) {
  const box = form.querySelector("[data-split-preview]");
  const update = async () => {
    const credits = [...form.querySelectorAll("[data-weight]")]
      .filter((input) => input.value.trim() && input.value.trim() !== "0")
      .map((input) => ({ contribution: Number(input.dataset.weight), weight: input.value.trim() }));
    if (!credits.length) { box.textContent = t("weightNeeded"); return; }
    const response = await fetch(form.dataset.preview, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ credits }),
    });
    const answer = await response.json();
    if (!response.ok) { box.textContent = JSON.stringify(answer); return; }
    const table = document.createElement("table");
    table.className = "split";
    const head = table.createTHead().insertRow();
    for (const label of [t("person"), t("exactShare"), t("percent")]) {
      const th = document.createElement("th");
      th.textContent = label;
      head.appendChild(th);
    }
    const body = document.createElement("tbody");
    for (const party of answer.parties) {
      const row = document.createElement("tr");
      for (const value of [party.username, party.share, `${party.percent}%`]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        row.appendChild(cell);
      }
      body.appendChild(row);
    }
    table.appendChild(body);
    box.replaceChildren(table);
  };
  form.querySelectorAll("[data-weight]").forEach((input) => input.addEventListener("input", update));
  update();
}

function init(root) {
  root.querySelectorAll("form[data-upload]").forEach((form) => { enhanceUpload(form); enhanceSources(form); });
  root.querySelectorAll("[data-follow-job]").forEach(followJob);
  root.querySelectorAll("[data-waveform]").forEach(drawWaveform);
  root.querySelectorAll("form[data-desk]").forEach(enhanceDesk);
}

// A background job's progress (a contribution's processing, a data export, a statement run),
// updated without a reload: polls the JSON at data-follow-job ({status, progress: {stage,
// stage_label, percent}}, or a run's {status, done, total, percent}) and reloads the page once the job
// has finished, to show its result.
const RUNNING = ["queued", "running", "pending", "processing"];

function followJob(box) {
  const bar = box.querySelector("progress");
  const stage = box.querySelector("[data-job-stage]");
  const poll = async () => {
    try {
      const job = await getJSON(box.dataset.followJob);
      const progress = job.progress || { percent: job.percent, stage: t("doneOf", { done: job.done, total: job.total }) };
      if (bar) bar.value = progress.percent;
      if (stage) stage.textContent = progress.stage_label || progress.stage || job.status;
      if (!RUNNING.includes(job.status)) {
        window.location.reload();
        return;
      }
    } catch (e) { /* a hiccup: try again */ }
    setTimeout(poll, 1500);
  };
  setTimeout(poll, 1000);
}

document.addEventListener("DOMContentLoaded", () => init(document));
