/*
 * Assessment form autosave. Plain JavaScript, no build step.
 *
 * Every answer is saved as it is given (POST JSON with the CSRF token). The response carries the new version,
 * the visibility of every question and the progress per section, so conditional questions appear and
 * disappear without a reload. Unsaved answers wait in localStorage until the server confirms them, so a
 * failed save (network, server) is shown, retried with back-off and survives closing the browser. A conflict
 * (someone else saved the same answer first) shows both values and lets the person choose. A value the server
 * refuses (out of range, wrong format) keeps the status line at "Not saved" until it is corrected: the message is
 * next to the field, which is marked invalid and gets the focus back.
 */
(function () {
  "use strict";

  var root = document.getElementById("assessment-form");
  if (!root || root.dataset.canEdit !== "true") return;

  var assessmentId = root.dataset.assessmentId;
  var saveUrl = root.dataset.saveUrl;
  var storageKey = "plumbline:pending:" + assessmentId;
  var csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  var csrfToken = csrfInput ? csrfInput.value : "";
  // Read the token from the cookie at each save: signing in again (in another tab) rotates it.
  function currentCsrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : csrfToken;
  }
  var statusEl = document.getElementById("save-status");
  var inFlight = {};      // question id -> true while a request is running
  var retryTimers = {};   // question id -> timeout id
  var attempts = {};      // question id -> failed attempts in a row
  var conflicts = {};     // question id -> true while a conflict waits for a choice
  var blocked = {};       // question id -> true when the server refused permission (kept, not retried)
  var refused = {};       // question id -> true while the server refuses the value on screen (not retried)
  var lastInput = {};     // question id -> the input last edited, where a refusal points and the focus returns
  var debounce = {};
  var typing = {};        // question id -> true while an edit waits for the typing pause before saving

  function questionEl(qid) { return document.getElementById("q-" + qid); }

  // --- pending queue (localStorage, survives closing the page) ---
  function loadPending() {
    try { return JSON.parse(window.localStorage.getItem(storageKey) || "{}"); } catch (e) { return {}; }
  }
  function storePending(pending) {
    try {
      if (Object.keys(pending).length) window.localStorage.setItem(storageKey, JSON.stringify(pending));
      else window.localStorage.removeItem(storageKey);
    } catch (e) { /* storage full or disabled: the in-memory retry still runs */ }
  }
  var pending = loadPending();

  // --- reading and writing the inputs of one question ---
  // One handler per question type (questionnaires/types.py): read(el) -> the value to save (null when empty),
  // write(el, value) shows a value. A type without an entry reads and writes its single input or textarea.
  function checkedInputs(el) { return el.querySelectorAll(".answer-input input:checked"); }
  function readChecked(el) {
    var checked = el.querySelector(".answer-input input:checked");
    return checked ? checked.value : null;
  }
  function writeChecked(el, value) {
    var values = Array.isArray(value) ? value.map(String) : [value === null || value === undefined ? null : String(value)];
    el.querySelectorAll(".answer-input input[type=radio], .answer-input input[type=checkbox]").forEach(function (i) {
      i.checked = values.indexOf(i.value) !== -1;
    });
  }
  var singleInput = {
    read: function (el) {
      var input = el.querySelector(".answer-input input, .answer-input textarea");
      if (!input || input.value.trim() === "") return null;
      return input.value;
    },
    write: function (el, value) {
      var input = el.querySelector(".answer-input input, .answer-input textarea");
      if (input) input.value = value === null || value === undefined ? "" : value;
    }
  };
  var handlers = {
    yes_no: { read: readChecked, write: writeChecked },
    single_choice: { read: readChecked, write: writeChecked },
    multi_choice: {
      read: function (el) { return Array.prototype.map.call(checkedInputs(el), function (i) { return i.value; }); },
      write: writeChecked
    },
    scale: {
      read: function (el) { var v = readChecked(el); return v === null ? null : parseInt(v, 10); },
      write: writeChecked
    },
    group: {
      read: function (el) {
        var rows = [];
        el.querySelectorAll(".group-table tbody tr").forEach(function (tr) {
          var row = {}, filled = false;
          tr.querySelectorAll("input[data-field]").forEach(function (input) {
            if (input.value.trim() !== "") { row[input.dataset.field] = input.value.trim(); filled = true; }
          });
          if (filled) rows.push(row);
        });
        return rows.length ? rows : null;
      },
      write: function (el, value) { drawRows(el, value); }
    }
  };
  function handlerFor(el) { return handlers[el.dataset.type] || singleInput; }
  function readValue(el) { return handlerFor(el).read(el); }
  function writeValue(el, value) { handlerFor(el).write(el, value); }

  // Redraw a group's rows as the server renders them: one per block of the value, then an empty one for the next.
  function drawRows(el, value) {
    var tbody = el.querySelector(".group-table tbody");
    var blank = tbody.lastElementChild.cloneNode(true);
    tbody.textContent = "";
    (Array.isArray(value) ? value : []).concat([{}]).forEach(function (block) {
      var tr = blank.cloneNode(true);
      tr.querySelectorAll("input[data-field]").forEach(function (input) {
        var v = block[input.dataset.field];
        input.value = v === null || v === undefined ? "" : String(v);
      });
      tbody.appendChild(tr);
    });
  }

  function readPayload(el) {
    var comment = el.querySelector(".comment-input");
    var justification = el.querySelector(".justification-input");
    return {
      value: readValue(el),
      comment: comment ? comment.value : "",
      justification: justification ? justification.value : "",
      expected_version: parseInt(el.dataset.version || "0", 10)
    };
  }

  function displayValue(el, value) {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return "(no answer)";
    var values = Array.isArray(value) ? value : [value];
    var labels = values.map(function (v) {
      var input = el.querySelector('.answer-input input[value="' + String(v).replace(/"/g, '\\"') + '"]');
      var label = input && input.closest("label");
      return label ? label.textContent.trim() : (typeof v === "object" ? JSON.stringify(v) : String(v));
    });
    return labels.join(", ");
  }

  function toggleJustification(el) {
    var box = el.querySelector(".justification");
    if (!box) return;
    var needs = (el.dataset.justify || "").split("|").filter(Boolean);
    var value = readValue(el);
    var values = Array.isArray(value) ? value : [value];
    var show = values.some(function (v) { return needs.indexOf(String(v)) !== -1; });
    var text = box.querySelector("textarea");
    box.hidden = !show && !(text && text.value);
  }

  // --- status line ---
  function updateStatus() {
    var waiting = Object.keys(pending).filter(function (q) { return !conflicts[q]; });
    var conflicted = Object.keys(conflicts);
    var failing = waiting.filter(function (q) { return attempts[q] || blocked[q]; });
    var text, state;
    var refusedIds = Object.keys(refused);
    if (conflicted.length) {
      state = "error";
      text = conflicted.length + " answer" + (conflicted.length > 1 ? "s were" : " was") +
        " changed by someone else: choose which value to keep.";
    } else if (refusedIds.length) {
      state = "error";
      text = "Not saved: " + refusedIds.length + " answer" + (refusedIds.length > 1 ? "s were" : " was") +
        " refused. Correct the value marked next to " + (refusedIds.length > 1 ? "each" : "it") + ".";
    } else if (failing.length) {
      state = "error";
      text = "Not saved yet: " + failing.length + " answer" + (failing.length > 1 ? "s" : "") +
        ". Your answers are kept in this browser until they are saved; see the message next to each.";
    } else if (waiting.length || Object.keys(typing).length) {
      state = "saving"; text = "Saving…";
    } else {
      state = "saved"; text = "All answers saved.";
    }
    if (statusEl.textContent !== text) statusEl.textContent = text;
    statusEl.dataset.state = state;
  }

  function showError(el, message) {
    var box = el && el.querySelector(".save-error");
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
  }

  // A refused value: mark the field the person last edited as invalid and bring the focus back to it, unless
  // they are typing elsewhere by now.
  function markRefused(el, qid) {
    refused[qid] = true;
    var input = lastInput[qid] && el.contains(lastInput[qid]) ? lastInput[qid] :
      el.querySelector(".answer-input input, .answer-input textarea");
    if (!input) return;
    input.setAttribute("aria-invalid", "true");
    if (!Object.keys(typing).length && document.activeElement !== input) input.focus();
  }
  function clearRefused(el, qid) {
    delete refused[qid];
    if (el) el.querySelectorAll('.answer-input [aria-invalid="true"]').forEach(function (i) { i.removeAttribute("aria-invalid"); });
  }

  // --- applying the server's view of the form ---
  function applyState(data) {
    if (data.visibility) {
      Object.keys(data.visibility).forEach(function (qid) {
        var el = questionEl(qid);
        if (el) el.hidden = !data.visibility[qid];
      });
    }
    if (data.progress) {
      Object.keys(data.progress).forEach(function (sid) {
        var p = data.progress[sid];
        var span = document.querySelector('[data-progress-for="' + sid + '"]');
        if (span) {
          span.firstChild.nodeValue = p.answered + "/" + p.visible;
          span.classList.toggle("complete", p.visible > 0 && p.required_missing === 0);
        }
        var li = document.querySelector('.section-list li[data-section-id="' + sid + '"]');
        if (li) li.hidden = p.visible === 0;
      });
    }
  }

  // The evidence's verdict on the saved answer (questionnaires.types.claim_status): flag a contradicted claim at once.
  function applyClaim(el, claim) {
    var contradicted = claim === "contradicted";
    el.classList.toggle("has-discrepancy", contradicted);
    var note = el.querySelector(".discrepancy");
    if (note) note.hidden = !contradicted;
  }

  function applyAnswer(el, answer) {
    el.dataset.version = String(answer.version);
    var meta = el.querySelector(".answer-meta");
    if (meta) meta.textContent = answer.by ? "Answered by " + answer.by + " just now." : "";
  }

  // --- saving ---
  // A number input holding what is not a number ("1e") reads as empty: saving that would clear the answer.
  function badNumber(el) {
    return Array.prototype.filter.call(el.querySelectorAll(".answer-input input"), function (i) {
      return i.validity && i.validity.badInput;
    })[0];
  }

  function queueSave(qid) {
    var el = questionEl(qid);
    if (!el) return;
    var bad = badNumber(el);
    if (bad) {
      lastInput[qid] = bad;
      showError(el, "Enter a number, e.g. 1200 or 12.5; what is typed is not one, so it is not saved.");
      markRefused(el, qid);
      updateStatus();
      return;
    }
    pending[qid] = readPayload(el);
    storePending(pending);
    delete conflicts[qid];
    clearConflict(el);
    send(qid);
  }

  function scheduleRetry(qid, reason) {
    attempts[qid] = (attempts[qid] || 0) + 1;
    var delay = Math.min(30000, 1000 * Math.pow(2, attempts[qid] - 1));
    clearTimeout(retryTimers[qid]);
    retryTimers[qid] = setTimeout(function () { send(qid); }, delay);
    showError(questionEl(qid), (reason || "Not saved yet (" + (attempts[qid] > 1 ? "attempt " + attempts[qid] + " failed" :
      "the server could not be reached") + ").") + " Retrying in " + Math.round(delay / 1000) + " s — your answer is kept.");
    updateStatus();
  }

  function send(qid) {
    var payload = pending[qid];
    if (!payload || inFlight[qid] || conflicts[qid]) { updateStatus(); return; }
    delete blocked[qid];
    inFlight[qid] = true;
    clearTimeout(retryTimers[qid]);
    updateStatus();
    var sent = JSON.stringify(payload);
    fetch(saveUrl.replace("__QID__", encodeURIComponent(qid)), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": currentCsrfToken(), "Accept": "application/json" },
      redirect: "manual",
      body: sent
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") !== -1;
      // A redirect (to the login page) or an HTML refusal (CSRF) means the session ended, not that the answer is wrong.
      if (response.type === "opaqueredirect" || (!json && response.status < 500)) {
        return { status: "signed-out", data: {} };
      }
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (result) {
      inFlight[qid] = false;
      var el = questionEl(qid);
      var status = result.status, data = result.data;
      if (status === 200) {
        attempts[qid] = 0;
        clearRefused(el, qid);
        showError(el, "");
        if (el) applyAnswer(el, data.answer);
        if (el) applyClaim(el, data.claim);
        applyState(data);
        var latest = pending[qid];
        if (latest && JSON.stringify(latest) === sent) {
          delete pending[qid];
        } else if (latest) {
          latest.expected_version = data.answer.version;  // newer edit made while this one was in flight
          setTimeout(function () { send(qid); }, 0);
        }
        storePending(pending);
      } else if (status === 409 && data.conflict) {
        attempts[qid] = 0;
        conflicts[qid] = true;
        if (el) showConflict(el, data.conflict);
      } else if (status === "signed-out") {
        scheduleRetry(qid, "Your session has ended: sign in again in another tab. Your answer is kept in this browser and sent once you are signed in.");
        return;
      } else if (status >= 500 || status === 0 || status === 429) {
        scheduleRetry(qid);
        return;
      } else if (status === 403) {
        // No permission (e.g. removed from the team): keep the answer in this browser, do not hammer the server.
        attempts[qid] = 0;
        blocked[qid] = true;
        showError(el, (data && data.detail) || "You may not change this answer.");
      } else {
        // Refused for good (invalid value, no longer a draft): say why next to the field; keep nothing to retry.
        attempts[qid] = 0;
        delete pending[qid];
        storePending(pending);
        showError(el, (data && data.detail) || "The answer was refused (HTTP " + status + ").");
        if (el) markRefused(el, qid);
      }
      updateStatus();
    }).catch(function () {
      inFlight[qid] = false;
      scheduleRetry(qid);
    });
  }

  // --- conflicts ---
  function clearConflict(el) {
    var box = el.querySelector(".conflict");
    if (box) { box.hidden = true; box.textContent = ""; box.removeAttribute("role"); }
  }

  function showConflict(el, conflict) {
    var box = el.querySelector(".conflict");
    var theirs = conflict.theirs || {}, yours = conflict.yours || {};
    box.textContent = "";
    box.setAttribute("role", "alert");
    var title = document.createElement("p");
    title.innerHTML = "<strong>Someone else changed this answer while you were editing it.</strong> Choose which value to keep.";
    var dl = document.createElement("dl");
    function row(term, text) {
      var dt = document.createElement("dt"); dt.textContent = term;
      var dd = document.createElement("dd"); dd.textContent = text;
      dl.appendChild(dt); dl.appendChild(dd);
    }
    var when = theirs.at ? new Date(theirs.at).toLocaleString() : "";
    row("Theirs", displayValue(el, theirs.value) + " — " + (theirs.by || "someone") + (when ? ", " + when : ""));
    if (theirs.comment) row("Their comment", theirs.comment);
    row("Yours", displayValue(el, yours.value));
    if (yours.comment) row("Your comment", yours.comment);
    var keep = document.createElement("button");
    keep.type = "button"; keep.className = "button primary"; keep.textContent = "Keep mine";
    var use = document.createElement("button");
    use.type = "button"; use.className = "button"; use.textContent = "Use theirs";
    keep.addEventListener("click", function () {
      var qid = el.dataset.questionId;
      delete conflicts[qid];
      el.dataset.version = String(theirs.version);
      if (pending[qid]) pending[qid].expected_version = theirs.version;
      storePending(pending);
      clearConflict(el);
      send(qid);
    });
    use.addEventListener("click", function () {
      var qid = el.dataset.questionId;
      delete conflicts[qid];
      delete pending[qid];
      storePending(pending);
      writeValue(el, theirs.value);
      var comment = el.querySelector(".comment-input");
      if (comment) comment.value = theirs.comment || "";
      var justification = el.querySelector(".justification-input");
      if (justification) justification.value = theirs.justification || "";
      applyAnswer(el, theirs);
      clearConflict(el);
      updateStatus();
    });
    box.appendChild(title); box.appendChild(dl); box.appendChild(keep); box.appendChild(document.createTextNode(" ")); box.appendChild(use);
    box.hidden = false;
    keep.focus();
  }

  // --- wiring ---
  function questionOf(target) { var el = target.closest(".question"); return el ? el.dataset.questionId : null; }

  function noteInput(qid, target) {
    if (target.closest(".answer-input")) lastInput[qid] = target;
  }
  root.addEventListener("change", function (event) {
    var qid = questionOf(event.target);
    if (!qid) return;
    noteInput(qid, event.target);
    clearTimeout(debounce[qid]);
    delete typing[qid];
    toggleJustification(questionEl(qid));
    queueSave(qid);
  });
  root.addEventListener("input", function (event) {
    var t = event.target;
    if (t.type === "radio" || t.type === "checkbox" || t.type === "file") return;
    if (t.closest(".evidence-form")) return;
    var qid = questionOf(t);
    if (!qid) return;
    noteInput(qid, t);
    clearTimeout(debounce[qid]);
    typing[qid] = true;
    updateStatus();
    debounce[qid] = setTimeout(function () { delete typing[qid]; queueSave(qid); }, 800);
  });
  root.addEventListener("click", function (event) {
    var t = event.target;
    if (t.classList.contains("confirm-evidence")) {
      // Saving the pre-filled value as it is confirms it: the server records the person as its source.
      var el = t.closest(".question");
      queueSave(el.dataset.questionId);
    } else if (t.classList.contains("add-row")) {
      var tbody = t.closest(".question").querySelector(".group-table tbody");
      var last = tbody.lastElementChild;
      var clone = last.cloneNode(true);
      clone.querySelectorAll("input").forEach(function (i) { i.value = ""; });
      tbody.appendChild(clone);
      clone.querySelector("input").focus();
    }
  });
  // The evidence forms post normally; keep their inputs out of the autosave.
  root.querySelectorAll(".evidence-form").forEach(function (form) {
    form.addEventListener("change", function (event) { event.stopPropagation(); });
  });
  window.addEventListener("online", function () { Object.keys(pending).forEach(send); });

  // Restore what was not confirmed by the server before the page was closed, and send it again.
  Object.keys(pending).forEach(function (qid) {
    var el = questionEl(qid);
    var payload = pending[qid];
    if (el) {
      writeValue(el, payload.value);
      var comment = el.querySelector(".comment-input");
      if (comment) comment.value = payload.comment || "";
      var justification = el.querySelector(".justification-input");
      if (justification) justification.value = payload.justification || "";
      toggleJustification(el);
    }
    send(qid);
  });
  updateStatus();
})();
