// Isoloir — the canvasser's phone page (/porte-a-porte/). Works without signal:
// the turfs, their doors and households are kept in localStorage; every visit is written to the
// outbox (localStorage) with an id made here (crypto.randomUUID) BEFORE the screen says it is done,
// then sent when the connection allows; the outbox forgets only the ids the server answers it holds
// (dashboard/canvass/sync.py is the same model, property-tested). Text is set with textContent only.
// Questionnaire: the turf's introduction and instructions show above its doors; after « Ouvert » the questions
// show, and the answers wait in the outbox (keyed by the visit's id) until their visit is sent, then go with it.
'use strict';

const API = '/porte-a-porte/api';
const KEY = 'isoloir.terrain.v1';
const BATCH = 50;
const OUTCOMES = [
  ['ouvert', 'Ouvert'], ['absent', 'Absent'], ['refus', 'Refus'],
  ['ne_plus_solliciter', 'Ne plus solliciter'], ['repasser', 'Repasser'],
];
const LABELS = Object.fromEntries(OUTCOMES);
const AGAIN = new Set(['absent', 'repasser']);
const MARKS = [['', 'Aucune marque'], ['digicode', 'Digicode'], ['pas_acces', "Pas d'accès"], ['commerce', 'Commerce'], ['vide', 'Vide']];
const STATUS_FR = { todo: 'à faire', again: 'à repasser', done: 'fait' };

function fresh() {
  return { user: null, turfs: [], turf: {}, outbox: { visits: {}, households: {}, answers: {}, consents: {} }, seq: 0, screen: 'turfs', turfId: null, door: null, asking: null, consenting: null };
}
function load() {
  try {
    const s = JSON.parse(localStorage.getItem(KEY));
    if (s && s.outbox && !s.outbox.answers) s.outbox.answers = {};
    if (s && s.outbox && !s.outbox.consents) s.outbox.consents = {};
    return s && s.outbox ? s : fresh();
  } catch (e) {
    return fresh();
  }
}
let S = load();
function save() { localStorage.setItem(KEY, JSON.stringify(S)); }

const $ = (id) => document.getElementById(id);
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'text') node.textContent = v;
    else if (k === 'on') node.addEventListener('click', v);
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) if (c) node.append(c);
  return node;
}
function fr(n) { return new Intl.NumberFormat('fr-FR').format(n); }
function plural(n, one, many) { return `${fr(n)} ${n > 1 ? many : one}`; }
function say(text, link) {
  const m = $('message');
  m.textContent = text;
  if (link) { m.append(' '); m.append(el('a', { href: link[1], text: link[0] })); }
  m.hidden = !text;
  clearTimeout(say.timer);
  if (text && !link) say.timer = setTimeout(() => { m.hidden = true; }, 4000);
}

// -- the outbox ------------------------------------------------------------------------------
function mine(item) { return item.user === S.user; }
function pendingVisits() {
  return Object.values(S.outbox.visits).filter(mine)
    .sort((a, b) => a.recorded_at - b.recorded_at || a.seq - b.seq || (a.visit_id < b.visit_id ? -1 : 1));
}
function pendingAnswers(sentVisits) {
  // answers go only with their visit or after it: never before the store holds the visit
  const going = new Set(sentVisits.map((v) => v.visit_id));
  return Object.values(S.outbox.answers).filter(mine).filter((a) => going.has(a.visit_id) || !S.outbox.visits[a.visit_id]);
}
function pendingConsents() { return Object.values(S.outbox.consents).filter(mine).sort((a, b) => a.recorded_at - b.recorded_at); }
function pendingHouseholds() {
  return Object.values(S.outbox.households).filter(mine).sort((a, b) => a.changed_at - b.changed_at);
}
function showCounter() {
  const n = pendingVisits().length;
  const c = $('attente');
  c.textContent = n === 0 ? 'Tout est envoyé' : `${plural(n, 'passage', 'passages')} en attente d'envoi`;
  c.dataset.attente = n ? 'oui' : 'non';
  const line = $('etat-ligne');
  line.textContent = navigator.onLine ? 'En ligne' : 'Hors ligne';
  line.dataset.etat = navigator.onLine ? 'en-ligne' : 'hors-ligne';
}

async function call(path, body) {
  const options = { credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    options.method = 'POST';
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, options);
  let payload = {};
  try { payload = await response.json(); } catch (e) { payload = {}; }
  if (response.status === 401) {
    sessionClosed();
    throw new Error('session');
  }
  if (!response.ok) throw new Error(payload.erreur || 'Le serveur ne répond pas : réessayez.');
  return payload;
}

function sessionClosed() {
  // the turfs leave the phone; visits not sent stay, for the same canvasser's next session
  S.turfs = []; S.turf = {}; S.screen = 'turfs'; save(); render();
  say('Session fermée : reconnectez-vous pour envoyer vos passages.', ['Se connecter', '/connexion?next=%2Fporte-a-porte%2F']);
}

let flushing = false;
async function flush() {
  if (flushing || !navigator.onLine || !S.user) return;
  const visits = pendingVisits().slice(0, BATCH);
  const households = pendingHouseholds().slice(0, BATCH);
  const answers = pendingAnswers(visits).slice(0, BATCH);
  const consents = pendingConsents().slice(0, BATCH);
  if (!visits.length && !households.length && !answers.length && !consents.length) return;
  flushing = true;
  let more = false;
  try {
    const strip = ({ user, ...rest }) => rest;
    const answer = await call('/envoi', { visits: visits.map(strip), households: households.map(strip), answers: answers.map(strip), consents: consents.map(strip) });
    for (const id of answer.held) forget(id);
    const refused = Object.entries(answer.rejected || {});
    for (const [id] of refused) forget(id);
    for (const id of answer.households || []) delete S.outbox.households[id];
    for (const id of Object.keys(answer.households_rejected || {})) delete S.outbox.households[id];
    for (const id of answer.answers || []) delete S.outbox.answers[id];
    const answersRefused = Object.entries(answer.answers_rejected || {});
    for (const [id] of answersRefused) delete S.outbox.answers[id];
    for (const id of answer.consents || []) delete S.outbox.consents[id];
    const consentsRefused = Object.entries(answer.consents_refused || {});
    for (const [id] of consentsRefused) delete S.outbox.consents[id];
    const answersHeld = Object.values(answer.answers_held || {});
    const notesHeld = Object.values(answer.notes_held || {});
    save();
    if (notesHeld.length) say(notesHeld[0]);
    else if (answersHeld.length) say(answersHeld[0]);
    else if (answersRefused.length) say(`Réponses refusées : ${answersRefused[0][1]}`);
    else if (consentsRefused.length) say(`Accord refusé : ${consentsRefused[0][1]}`);
    else if (refused.length) say(`${plural(refused.length, 'passage refusé', 'passages refusés')} : ${refused[0][1]}`);
    else if ((answer.flagged || []).length) {
      say(`${plural(answer.flagged.length, 'passage envoyé', 'passages envoyés')} sur un secteur qui ne vous est plus affecté : gardé, signalé au responsable.`);
    }
    more = pendingVisits().length > 0 || pendingHouseholds().length > 0 || pendingConsents().length > 0 || pendingAnswers(pendingVisits().slice(0, BATCH)).length > 0;
  } catch (e) {
    if (e.message !== 'session' && navigator.onLine && !(e instanceof TypeError)) say(e.message);
  } finally {
    flushing = false;
    render();
  }
  if (more) flush();
}
function forget(visitId) {
  const v = S.outbox.visits[visitId];
  delete S.outbox.visits[visitId];
  if (!v || !S.turf[v.turf_id]) return;
  for (const door of S.turf[v.turf_id].doors) {
    for (const h of door.history) if (h.visit_id === visitId) h.pending = false;
  }
}

// -- recording -------------------------------------------------------------------------------
function currentTurf() { return S.turf[S.turfId]; }
function currentDoor() {
  const t = currentTurf();
  return t ? t.doors.find((d) => d.address_id === S.door) : null;
}
function record(door, outcome, householdIds) {
  const turf = currentTurf();
  const now = Date.now();
  const ids = [];
  // the door's note goes with a single visit; the server's guard holds a sensitive one for a supervisor
  const noteField = $('porte-note');
  const note = noteField && householdIds.length === 1 ? noteField.value.trim().slice(0, 280) : '';
  if (noteField) noteField.value = '';
  for (const householdId of householdIds) {
    S.seq += 1;
    const visit = {
      visit_id: crypto.randomUUID(), turf_id: turf.turf.turf_id, address_id: door.address_id,
      household_id: householdId, outcome, recorded_at: now, seq: S.seq, user: S.user,
    };
    if (note) visit.note = note;
    S.outbox.visits[visit.visit_id] = visit;
    ids.push(visit.visit_id);
    door.history.push({ visit_id: visit.visit_id, household_id: householdId, outcome, at: new Date(now).toISOString(), pending: true });
  }
  save(); // on the phone before anything is shown as done
  flush();
  return ids;
}
// after « Ouvert »: the turf's questionnaire, if it has one (the visit is already in the outbox)
function ask(visitIds, back) {
  const turf = currentTurf();
  if (!turf || !turf.questionnaire || visitIds.length !== 1) return false;
  S.asking = { visit_id: visitIds[0], back };
  S.screen = 'questions';
  save();
  return true;
}
// after « Ouvert » (and its questions): the consent step, when the turf carries the texts to show
function afterOpen(door, ids, back) {
  const turf = currentTurf();
  S.consenting = turf && turf.consent_texts ? { address_id: door.address_id, label: door.label, back } : null;
  const next = S.consenting ? 'consent' : back;
  if (!ask(ids, next)) S.screen = next;
  save();
}
function saveHousehold(door, household) {
  const row = { ...household, address_id: door.address_id, changed_at: Date.now(), user: S.user };
  S.outbox.households[row.household_id] = row;
  const i = door.households.findIndex((h) => h.household_id === household.household_id);
  if (household.removed) { if (i >= 0) door.households.splice(i, 1); } else if (i >= 0) door.households[i] = household;
  else door.households.push(household);
  save();
  flush();
}

// -- statuses ----------------------------------------------------------------------------------
function lastOutcome(door, householdId) {
  let last = null;
  for (const h of door.history) if ((h.household_id || null) === (householdId || null)) last = h.outcome;
  return last;
}
function status(outcome) { return outcome === null ? 'todo' : (AGAIN.has(outcome) ? 'again' : 'done'); }
function doorStatus(door) {
  if (!door.households.length) return status(lastOutcome(door, null));
  const all = door.households.map((h) => status(lastOutcome(door, h.household_id)));
  if (all.every((s) => s === 'done')) return 'done';
  if (all.every((s) => s === 'todo')) return 'todo';
  return 'again';
}
function doorsOf(door) { return door.households.length || door.estimated_doors; }

// -- screens -----------------------------------------------------------------------------------
function show(screen) {
  for (const id of ['ecran-secteurs', 'ecran-portes', 'ecran-porte', 'ecran-questions', 'ecran-consentement']) $(id).hidden = id !== screen;
}
function render() {
  showCounter();
  const turf = currentTurf();
  if (S.screen === 'questions' && turf && turf.questionnaire && S.asking) return renderQuestions(turf.questionnaire);
  if (S.screen === 'consent' && turf && turf.consent_texts && S.consenting) return renderConsent(turf.consent_texts);
  if (S.screen === 'door' && turf && currentDoor()) return renderDoor(turf, currentDoor());
  if (S.screen !== 'turfs' && turf) return renderDoors(turf);
  return renderTurfs();
}
function renderTurfs() {
  show('ecran-secteurs');
  const list = $('secteurs');
  list.replaceChildren(...S.turfs.map((t) => el('li', {}, el('button', {
    type: 'button', 'data-turf': String(t.turf_id), on: () => openTurf(t.turf_id),
  }, el('span', { className: 'libelle', text: `${t.name} — ${t.zone_name}` }),
  el('span', { className: 'badge', text: plural(t.stops, 'adresse', 'adresses') })))));
  $('secteurs-vide').hidden = S.turfs.length > 0 || !S.user;
}
function renderDoors(turf) {
  show('ecran-portes');
  $('secteur-nom').textContent = `${turf.turf.name} — ${turf.turf.zone_name}`;
  const total = turf.doors.reduce((n, d) => n + doorsOf(d), 0);
  const done = turf.doors.filter((d) => doorStatus(d) === 'done').reduce((n, d) => n + doorsOf(d), 0);
  $('secteur-avancement').textContent = `${fr(done)} / ${plural(total, 'porte faite', 'portes faites')} · ordre de passage`;
  renderBriefing(turf);
  $('portes').replaceChildren(...turf.doors.map((d) => {
    const st = doorStatus(d);
    const size = d.households.length ? plural(d.households.length, 'logement', 'logements') : '';
    return el('li', {}, el('button', { type: 'button', 'data-porte': String(d.order), on: () => openDoor(d.address_id) },
      el('span', { className: 'libelle', text: `${d.order}. ${d.label}${size ? ` · ${size}` : ''}` }),
      el('span', { className: 'badge', 'data-statut': st, text: STATUS_FR[st] })));
  }));
}
function outcomeButtons(onPick, small) {
  return el('div', { className: small ? 'boutons petits' : 'boutons' }, ...OUTCOMES.map(([id, label]) => el('button', {
    type: 'button', 'data-issue': id, text: label, on: () => onPick(id),
  })));
}
function historyText(door, householdId) {
  const mineOnly = door.history.filter((h) => (h.household_id || null) === (householdId || null));
  if (!mineOnly.length) return 'Jamais visité.';
  const last = mineOnly[mineOnly.length - 1];
  const when = new Date(last.at).toLocaleString('fr-FR', { timeZone: 'Europe/Paris', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  return `${plural(mineOnly.length, 'passage', 'passages')} · dernier : ${LABELS[last.outcome] || last.outcome}, ${when}${last.pending ? ' (à envoyer)' : ''}`;
}
function floorName(f) {
  if (f === null || f === undefined) return 'Sans étage';
  if (f === 0) return 'Rez-de-chaussée';
  return f < 0 ? `Sous-sol ${-f}` : `Étage ${f}`;
}
function householdName(h, index) {
  return h.label || `${floorName(h.floor)} · porte ${index + 1}`;
}
function voterList(door) {
  // the electoral list at this door, by name (the server leaves out the opposed and other canvassers' doors)
  const names = door.voters || [];
  if (!names.length) return [];
  return [el('details', { className: 'electeurs' }, el('summary', { text: plural(names.length, 'électeur inscrit', 'électeurs inscrits') }),
    el('ul', {}, ...names.map((n) => el('li', { text: n }))))];
}
function renderDoor(turf, door) {
  show('ecran-porte');
  $('porte-nom').textContent = `${door.order}. ${door.label}`;
  const box = $('logements');
  const buttons = $('porte-boutons');
  if (!door.households.length) {
    $('porte-historique').textContent = `≈ ${plural(door.estimated_doors, 'porte estimée', 'portes estimées')} · ${historyText(door, null)}`;
    buttons.replaceChildren(outcomeButtons((o) => {
      const ids = record(door, o, [null]);
      if (o === 'ouvert') afterOpen(door, ids, 'doors'); else S.screen = 'doors';
      save(); render();
    }));
    buttons.hidden = false;
    box.replaceChildren(...voterList(door));
    $('ajout').open = false;
    return;
  }
  buttons.hidden = true;
  $('porte-historique').textContent = plural(door.households.length, 'logement', 'logements');
  const entrances = [...new Set(door.households.map((h) => h.entrance || ''))];
  const parts = [];
  for (const entrance of entrances) {
    const inEntrance = door.households.filter((h) => (h.entrance || '') === entrance);
    const todo = (list) => list.filter((h) => status(lastOutcome(door, h.household_id)) !== 'done').map((h) => h.household_id);
    if (entrances.length > 1 || entrance) {
      parts.push(el('div', { className: 'groupe' }, el('div', { className: 'entete' },
        el('h2', { text: entrance ? `Entrée ${entrance}` : 'Entrée principale' }),
        el('button', { type: 'button', 'data-bloc': 'entree', text: "Absent : toute l'entrée", on: () => bulk(door, todo(inEntrance)) }))));
    }
    const floors = [...new Set(inEntrance.map((h) => h.floor))].sort((a, b) => (a ?? -99) - (b ?? -99));
    for (const floor of floors) {
      const onFloor = inEntrance.filter((h) => h.floor === floor);
      parts.push(el('div', { className: 'groupe', 'data-etage': String(floor) }, el('div', { className: 'entete' },
        el('h2', { text: floorName(floor) }),
        el('button', { type: 'button', 'data-bloc': 'etage', text: "Absent : tout l'étage", on: () => bulk(door, todo(onFloor)) })),
      ...onFloor.map((h, i) => householdCard(door, h, i))));
    }
  }
  box.replaceChildren(...voterList(door), ...parts);
}
function householdCard(door, h, index) {
  const st = status(lastOutcome(door, h.household_id));
  const mark = MARKS.find(([id]) => id === (h.mark || ''));
  const select = el('select', { 'aria-label': 'Marque' }, ...MARKS.map(([id, label]) => el('option', { value: id, text: label, selected: id === (h.mark || '') })));
  select.addEventListener('change', () => { saveHousehold(door, { ...h, mark: select.value || null }); render(); });
  return el('div', { className: 'logement', 'data-logement': h.household_id },
    el('div', { className: 'tete' }, el('span', { text: householdName(h, index) + (h.mark ? ` · ${mark[1]}` : '') }),
      el('span', { className: 'badge', 'data-statut': st, text: STATUS_FR[st] })),
    el('div', { className: 'note', text: historyText(door, h.household_id) }),
    outcomeButtons((o) => { const ids = record(door, o, [h.household_id]); if (o === 'ouvert') afterOpen(door, ids, 'door'); render(); }, true),
    el('details', {}, el('summary', { text: 'Marquer, diviser, retirer' }), el('div', { className: 'actions' },
      select,
      el('button', { type: 'button', text: 'Diviser', on: () => { split(door, h); } }),
      el('button', { type: 'button', text: 'Retirer', on: () => { saveHousehold(door, { ...h, removed: true }); render(); } }))));
}
function bulk(door, householdIds) {
  if (!householdIds.length) { say('Rien à faire ici : tout est déjà fait.'); return; }
  record(door, 'absent', householdIds);
  say(`${plural(householdIds.length, 'logement noté', 'logements notés')} absent${householdIds.length > 1 ? 's' : ''}.`);
  render();
}
function split(door, h) {
  const position = Math.max(0, ...door.households.map((x) => x.position || 0)) + 1;
  saveHousehold(door, { household_id: crypto.randomUUID(), entrance: h.entrance || '', floor: h.floor, label: null, mark: null, position });
  render();
}
function addHouseholds() {
  const door = currentDoor();
  if (!door) return;
  const entrance = $('ajout-entree').value.trim().slice(0, 20);
  const floors = Math.min(40, Math.max(1, parseInt($('ajout-etages').value, 10) || 1));
  const perFloor = Math.min(20, Math.max(1, parseInt($('ajout-par-etage').value, 10) || 1));
  let position = Math.max(0, ...door.households.map((x) => x.position || 0));
  for (let floor = 0; floor < floors; floor += 1) {
    for (let i = 0; i < perFloor; i += 1) {
      position += 1;
      saveHousehold(door, { household_id: crypto.randomUUID(), entrance, floor, label: null, mark: null, position });
    }
  }
  $('ajout').open = false;
  say(`${plural(floors * perFloor, 'logement ajouté', 'logements ajoutés')}.`);
  render();
}

// -- the questionnaire -------------------------------------------------------------------------
function paragraphs(text) { return (text || '').split('\n').filter((l) => l.trim()).map((l) => el('p', { text: l })); }
function renderBriefing(turf) {
  const box = $('consignes');
  const q = turf.questionnaire;
  box.hidden = !q;
  if (!q) return;
  $('consignes-titre').textContent = `Avant de commencer : ${q.title}`;
  const started = turf.doors.some((d) => d.history.length);
  if (box.dataset.turf !== String(turf.turf.turf_id)) { box.open = !started; box.dataset.turf = String(turf.turf.turf_id); }
  $('consignes-texte').replaceChildren(
    ...(q.intro ? [el('h2', { text: 'Introduction à dire' }), ...paragraphs(q.intro)] : []),
    ...(q.instructions ? [el('h2', { text: 'Consignes' }), ...paragraphs(q.instructions)] : []),
    el('p', { className: 'note', text: plural(q.questions.length, 'question', 'questions') + ' après une porte ouverte.' }));
}
function questionField(q) {
  const name = `question-${q.key}`;
  const box = el('fieldset', { className: 'question', 'data-question': q.key }, el('legend', { text: q.label }));
  if (q.kind === 'texte') {
    box.append(el('textarea', { name, maxLength: 280, rows: 3, 'aria-label': q.label }));
    box.append(el('p', { className: 'note', text: 'Pas de santé, religion, opinion ni nom : la réponse serait mise en attente.' }));
    return box;
  }
  const type = q.kind === 'choix_multiples' ? 'checkbox' : 'radio';
  const choices = el('div', { className: q.kind === 'echelle' || q.kind === 'oui_non' ? 'choix ligne' : 'choix' });
  for (const option of q.options) {
    choices.append(el('label', {}, el('input', { type, name, value: option }), el('span', { text: option })));
  }
  box.append(choices);
  return box;
}
function renderQuestions(q) {
  show('ecran-questions');
  $('questions-titre').textContent = q.title;
  $('questions').replaceChildren(...q.questions.map(questionField));
  window.scrollTo(0, 0);
}
function readAnswers(q) {
  const values = {};
  for (const question of q.questions) {
    const name = `question-${question.key}`;
    if (question.kind === 'texte') {
      const text = document.querySelector(`[name="${name}"]`).value.trim();
      if (text) values[question.key] = text;
    } else {
      const picked = [...document.querySelectorAll(`[name="${name}"]:checked`)].map((i) => i.value);
      if (picked.length) values[question.key] = question.kind === 'choix_multiples' ? picked : picked[0];
    }
  }
  return values;
}
function finishQuestions(keep) {
  const turf = currentTurf();
  const q = turf && turf.questionnaire;
  if (keep && q && S.asking) {
    const values = readAnswers(q);
    if (Object.keys(values).length) {
      S.outbox.answers[S.asking.visit_id] = {
        visit_id: S.asking.visit_id, questionnaire_id: q.questionnaire_id, version: q.version, values, user: S.user,
      };
      say('Réponses notées.');
    }
  }
  S.screen = S.asking ? S.asking.back : 'doors';
  S.asking = null;
  save(); // on the phone before anything else
  flush();
  render();
}

function renderConsent(texts) {
  show('ecran-consentement');
  $('consentement-porte').textContent = `Accord · ${S.consenting.label}`;
  $('consentements').replaceChildren(...Object.entries(texts).map(([purpose, t]) => el('fieldset', { className: 'question', 'data-finalite': purpose },
    el('legend', { text: t.label }),
    el('div', { className: 'choix' }, el('label', {}, el('input', { type: 'checkbox', name: 'finalite', value: purpose }), el('span', { text: t.text }))))));
  for (const id of ['consentement-nom', 'consentement-courriel', 'consentement-telephone']) $(id).value = '';
  window.scrollTo(0, 0);
}
function finishConsent(keep) {
  const turf = currentTurf();
  if (keep && turf && S.consenting) {
    const purposes = [...document.querySelectorAll('#consentements input:checked')].map((i) => i.value);
    const name = $('consentement-nom').value.trim();
    const email = $('consentement-courriel').value.trim();
    const phone = $('consentement-telephone').value.trim();
    if (!purposes.length) { say('Cochez ce que la personne accepte, ou passez.'); return; }
    if (!name || !(email || phone)) { say('Nom, et courriel ou téléphone, nécessaires.'); return; }
    const id = crypto.randomUUID();
    S.outbox.consents[id] = {
      consent_id: id, address_id: S.consenting.address_id, address: S.consenting.label, full_name: name, email, phone, purposes,
      versions: Object.fromEntries(purposes.map((p) => [p, turf.consent_texts[p].version])), recorded_at: Date.now(), user: S.user,
    };
    say('Accord noté.');
  }
  S.screen = S.consenting ? S.consenting.back : 'doors';
  S.consenting = null;
  save(); // on the phone before anything else
  flush();
  render();
}

// -- loading from the server ---------------------------------------------------------------------
function mergeTurf(data) {
  // the server's history, plus the visits of this turf still waiting in the outbox
  const waiting = pendingVisits().filter((v) => v.turf_id === data.turf.turf_id);
  const known = new Set();
  for (const d of data.doors) for (const h of d.history) known.add(h.visit_id);
  for (const v of waiting) {
    if (known.has(v.visit_id)) continue;
    const door = data.doors.find((d) => d.address_id === v.address_id);
    if (door) door.history.push({ visit_id: v.visit_id, household_id: v.household_id, outcome: v.outcome, at: new Date(v.recorded_at).toISOString(), pending: true });
  }
  for (const row of pendingHouseholds()) {
    const door = data.doors.find((d) => d.address_id === row.address_id);
    if (!door) continue;
    const { user, changed_at, address_id, ...h } = row;
    const i = door.households.findIndex((x) => x.household_id === h.household_id);
    if (h.removed) { if (i >= 0) door.households.splice(i, 1); } else if (i >= 0) door.households[i] = h; else door.households.push(h);
  }
  return data;
}
async function openTurf(turfId) {
  S.turfId = turfId; S.screen = 'doors'; save();
  if (navigator.onLine) {
    try {
      S.turf[turfId] = mergeTurf(await call(`/secteurs/${encodeURIComponent(turfId)}`));
      save();
    } catch (e) {
      if (e.message === 'session') return;
      if (!S.turf[turfId]) say(e instanceof TypeError ? 'Pas de réseau : ce secteur n\'a pas encore été chargé.' : e.message);
    }
  }
  render();
}
function openDoor(addressId) { if (!$('message').querySelector('a')) $('message').hidden = true; S.door = addressId; S.screen = 'door'; save(); render(); window.scrollTo(0, 0); }
async function refresh() {
  if (!navigator.onLine) return;
  try {
    const data = await call('/secteurs');
    if (S.user && S.user !== data.user) { S.turfs = []; S.turf = {}; S.screen = 'turfs'; }
    S.user = data.user; S.turfs = data.turfs;
    const ids = new Set(data.turfs.map((t) => t.turf_id));
    for (const id of Object.keys(S.turf)) if (!ids.has(Number(id))) delete S.turf[id];
    save();
    await flush();
    if (S.turfId && ids.has(S.turfId) && S.screen !== 'turfs') {
      S.turf[S.turfId] = mergeTurf(await call(`/secteurs/${S.turfId}`));
      save();
    }
  } catch (e) {
    if (e.message !== 'session' && !(e instanceof TypeError)) say(e.message);
  }
  render();
}

function start() {
  $('retour-secteurs').addEventListener('click', () => { S.screen = 'turfs'; save(); render(); });
  $('retour-portes').addEventListener('click', () => { S.screen = 'doors'; save(); render(); });
  $('ajout-ok').addEventListener('click', addHouseholds);
  $('questions-ok').addEventListener('click', () => finishQuestions(true));
  $('questions-passer').addEventListener('click', () => finishQuestions(false));
  $('consentement-ok').addEventListener('click', () => finishConsent(true));
  $('consentement-passer').addEventListener('click', () => finishConsent(false));
  // leaving: the turfs leave the phone; visits not sent stay for this canvasser's next session
  $('deconnexion').addEventListener('submit', () => { S.turfs = []; S.turf = {}; S.screen = 'turfs'; save(); });
  window.addEventListener('online', () => { showCounter(); refresh(); });
  window.addEventListener('offline', showCounter);
  window.addEventListener('storage', () => { S = load(); render(); });
  setInterval(flush, 15000);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/porte-a-porte/sw.js', { scope: '/porte-a-porte/' }).catch(() => {});
  }
  render();
  refresh();
}
document.addEventListener('DOMContentLoaded', start);
