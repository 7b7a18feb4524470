/* The relation filters' pickers: each text box with `data-suggest` (kb/site/forms.py)
 * becomes an editable combobox with a list of suggestions, as the WAI-ARIA Authoring
 * Practices' "combobox with list autocomplete" pattern: the box keeps role=combobox,
 * aria-expanded, aria-controls and aria-activedescendant; the list is a listbox of
 * options; Down and Up move through it, Enter picks, Escape closes it; a polite live
 * region says how many suggestions there are.
 *
 * Suggestions come from the box's `data-suggest` URL (/<lang>/suggest/<type>/?q=,
 * kb/site/suggest.py), for the text after the last comma: a box may hold several names.
 * The box shows names; on submit, the names picked here (and those the page showed,
 * `data-picked`) are sent as their slugs, so two records of the same name stay apart.
 * Without this script the box is a plain text box: the page takes a name or a slug.
 */
(function () {
  "use strict";

  const MIN_LENGTH = 2; // characters typed before asking
  const DELAY = 150; // ms of quiet typing before asking
  const words = (function () {
    const island = document.getElementById("picker-words");
    return island ? JSON.parse(island.textContent) : null;
  })();
  const plural = new Intl.PluralRules(document.documentElement.lang || "en");

  function counted(count) {
    const forms = words.count;
    return (forms[plural.select(count)] || forms.other).replace("%(count)s", String(count));
  }

  // The last comma-separated part of the box's text, and what comes before it.
  function split(value) {
    const comma = value.lastIndexOf(",");
    return {
      before: comma < 0 ? "" : value.slice(0, comma + 1) + " ",
      term: value.slice(comma + 1).trim(),
    };
  }

  function Picker(input, index) {
    this.input = input;
    this.url = input.dataset.suggest;
    this.picked = new Map(Object.entries(JSON.parse(input.dataset.picked || "{}")));
    this.options = [];
    this.active = -1;
    this.timer = null;
    this.request = null;
    this.asked = "";

    const id = input.id || "picker-" + index;
    input.id = id;
    const wrapper = document.createElement("div");
    wrapper.className = "picker";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);

    this.listbox = document.createElement("ul");
    this.listbox.id = id + "-suggestions";
    this.listbox.className = "picker-list";
    this.listbox.setAttribute("role", "listbox");
    const label = document.querySelector('label[for="' + id + '"]');
    if (label) this.listbox.setAttribute("aria-label", label.textContent.trim());
    this.listbox.hidden = true;
    wrapper.appendChild(this.listbox);

    this.status = document.createElement("div");
    this.status.className = "visually-hidden";
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    wrapper.appendChild(this.status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.listbox.id);

    input.addEventListener("input", () => this.typed());
    input.addEventListener("keydown", (event) => this.key(event));
    input.addEventListener("blur", () => this.close());
    // mousedown, not click: the box keeps its focus, so its blur does not close the list first.
    this.listbox.addEventListener("mousedown", (event) => {
      const option = event.target.closest('[role="option"]');
      if (!option) return;
      event.preventDefault();
      this.choose(Number(option.dataset.index));
    });
  }

  Picker.prototype.typed = function () {
    clearTimeout(this.timer);
    const term = split(this.input.value).term;
    if (term.length < MIN_LENGTH) {
      this.asked = "";
      this.close();
      return;
    }
    this.timer = setTimeout(() => this.ask(term), DELAY);
  };

  Picker.prototype.ask = function (term) {
    if (term === this.asked && this.options.length) {
      this.open();
      return;
    }
    this.asked = term;
    if (this.request) this.request.abort();
    const request = new AbortController();
    this.request = request;
    const url = this.url + "?q=" + encodeURIComponent(term);
    fetch(url, { headers: { Accept: "application/json" }, signal: request.signal })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((data) => {
        if (this.request !== request || split(this.input.value).term !== term) return;
        this.show(data.results || []);
      })
      .catch((error) => {
        if (error.name === "AbortError") return;
        this.options = [];
        this.close();
        this.say(words.failed);
      });
  };

  Picker.prototype.show = function (results) {
    this.options = results;
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.listbox.textContent = "";
    results.forEach((result, i) => {
      const option = document.createElement("li");
      option.id = this.listbox.id + "-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.index = String(i);
      const name = document.createElement("span");
      name.className = "picker-name";
      name.textContent = result.name;
      option.appendChild(name);
      if (result.hint) {
        const hint = document.createElement("span");
        hint.className = "picker-hint";
        hint.textContent = result.hint;
        option.appendChild(hint);
      }
      this.listbox.appendChild(option);
    });
    if (results.length && document.activeElement === this.input) this.open();
    else this.close();
    this.say(results.length ? counted(results.length) : words.none);
  };

  Picker.prototype.say = function (message) {
    // Emptied first, so the same count said twice is announced twice.
    this.status.textContent = "";
    window.setTimeout(() => {
      this.status.textContent = message;
    }, 50);
  };

  Picker.prototype.open = function () {
    if (!this.options.length) return;
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  };

  Picker.prototype.close = function () {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.mark(-1);
  };

  Picker.prototype.isOpen = function () {
    return !this.listbox.hidden;
  };

  Picker.prototype.mark = function (index) {
    const options = this.listbox.children;
    if (this.active >= 0 && options[this.active]) {
      options[this.active].setAttribute("aria-selected", "false");
    }
    this.active = index;
    if (index < 0 || !options[index]) {
      this.input.removeAttribute("aria-activedescendant");
      return;
    }
    options[index].setAttribute("aria-selected", "true");
    this.input.setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
  };

  Picker.prototype.move = function (step) {
    if (!this.isOpen()) {
      this.open();
      if (!this.isOpen()) {
        // Nothing asked yet (the box was filled by the page): ask now.
        const term = split(this.input.value).term;
        if (term.length >= MIN_LENGTH) this.ask(term);
        return;
      }
    }
    const count = this.options.length;
    let next = this.active + step;
    if (next >= count) next = 0;
    if (next < -1) next = count - 1;
    if (next === -1) next = step > 0 ? 0 : count - 1;
    this.mark(next);
  };

  Picker.prototype.choose = function (index) {
    const result = this.options[index];
    if (!result) return;
    this.picked.set(result.name, result.slug);
    this.input.value = split(this.input.value).before + result.name;
    this.close();
    this.input.focus();
  };

  Picker.prototype.key = function (event) {
    if (event.altKey && event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (event.altKey) this.open();
        else this.move(1);
        break;
      case "ArrowUp":
        event.preventDefault();
        if (event.altKey) this.close();
        else this.move(-1);
        break;
      case "Enter":
        if (this.isOpen() && this.active >= 0) {
          event.preventDefault(); // picks; a second Enter submits the form
          this.choose(this.active);
        }
        break;
      case "Escape":
        if (this.isOpen()) {
          event.preventDefault(); // the list closes; the text stays
          this.close();
        }
        break;
      case "Tab":
        this.close();
        break;
      default:
        break;
    }
  };

  // The box's values as the URL keeps them: slugs for the names picked, the rest as typed.
  Picker.prototype.submitted = function () {
    return this.input.value
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part)
      .map((part) => this.picked.get(part) || part)
      .join(",");
  };

  function enhance(form, pickers) {
    form.addEventListener("submit", () => {
      // A hidden field carries the slugs; the box, unnamed, keeps showing the names.
      pickers.forEach((picker) => {
        const input = picker.input;
        if (!input.name) return;
        const hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = input.name;
        hidden.value = picker.submitted();
        hidden.className = "picker-value";
        input.dataset.name = input.name;
        input.removeAttribute("name");
        form.appendChild(hidden);
      });
    });
    // Back to this page from the next: the boxes named again, as the page had them.
    window.addEventListener("pageshow", () => {
      form.querySelectorAll("input.picker-value").forEach((hidden) => hidden.remove());
      pickers.forEach((picker) => {
        if (picker.input.dataset.name) picker.input.name = picker.input.dataset.name;
      });
    });
  }

  function start() {
    if (!words || !window.fetch) return;
    const inputs = document.querySelectorAll("input[data-suggest]");
    const byForm = new Map();
    inputs.forEach((input, i) => {
      const picker = new Picker(input, i);
      const form = input.form;
      if (!form) return;
      if (!byForm.has(form)) byForm.set(form, []);
      byForm.get(form).push(picker);
    });
    byForm.forEach((pickers, form) => enhance(form, pickers));
  }

  start();
})();
