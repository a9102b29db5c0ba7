import type { MailStrings } from "./types.ts";

export const de: MailStrings = {
  intl: "de-DE",
  greeting: (name) => `Hallo ${name},`,
  greetingAnonymous: "Hallo,",
  greetingWords: ["hallo", "hi", "liebe", "lieber", "sehr geehrte", "sehr geehrter", "guten tag", "moin", "servus"],
  ignoreIfNotYou: "Wenn Sie diese E-Mail nicht erwartet haben, können Sie sie ignorieren.",
  footer: (portal) => `Gesendet von ${portal}.`,
  when: "Wann",
  where: "Wo",
  online: "Online",
  joinLink: "Teilnahmelink",
  calendarIntro: "In Ihren Kalender eintragen:",
  addToGoogle: "Google Kalender",
  addToOutlook: "Outlook",
  icsAttached: "Die angehängte .ics-Datei funktioniert mit Apple Kalender und den meisten anderen Kalendern.",

  signInSubject: (portal) => `Ihr Anmeldelink für ${portal}`,
  signInIntro: (portal, minutes) =>
    `Melden Sie sich mit diesem Link bei ${portal} an. Er funktioniert einmal und läuft in ${minutes} Minuten ab.`,
  signInButton: "Anmelden",

  resetSubject: (portal) => `Passwort für ${portal} zurücksetzen`,
  resetIntro: (portal, minutes) =>
    `Jemand hat verlangt, das Passwort Ihres Kontos bei ${portal} zurückzusetzen. Wählen Sie mit diesem Link ein neues. Er funktioniert einmal und läuft in ${minutes} Minuten ab; dabei werden alle Geräte abgemeldet, die bei Ihrem Konto angemeldet sind.`,
  resetButton: "Neues Passwort wählen",
  resetNotAsked: "Wenn Sie das nicht verlangt haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt, wie es ist.",

  emailChangeSubject: (portal) => `Bestätigen Sie Ihre neue E-Mail-Adresse für ${portal}`,
  emailChangeIntro: (portal, address, hours) =>
    `Bestätigen Sie, dass ${address} die neue E-Mail-Adresse Ihres Kontos bei ${portal} ist. Der Link funktioniert einmal und läuft in ${hours} Stunden ab; bis dahin behält Ihr Konto die alte Adresse.`,
  emailChangeButton: "Diese Adresse bestätigen",
  emailChangeNoticeSubject: (portal) => `Ihre E-Mail-Adresse bei ${portal} wird geändert`,
  emailChangeNotice: (portal, address) =>
    `Jemand, der bei Ihrem Konto bei ${portal} angemeldet ist, möchte dessen E-Mail-Adresse in ${address} ändern. Nichts ändert sich, bevor diese Adresse es bestätigt.`,
  emailChangeNoticeAdvice:
    "Wenn Sie das nicht waren, melden Sie sich an, ändern Sie sofort Ihr Passwort und beenden Sie auf Ihrer Kontoseite die Sitzungen, die Sie nicht kennen.",

  inviteSubject: (portal) => `Sie sind zu ${portal} eingeladen`,
  inviteFirstAdmin: (portal) =>
    `Ihr Portal ${portal} ist bereit, und Sie sind seine erste Administratorin bzw. sein erster Administrator.`,
  roleName: (role) =>
    ({ owner: "Inhaber/in", admin: "Administrator/in", staff: "Mitarbeiter/in", member: "Mitglied" })[role] ?? role,
  inviteTeam: (by, portal, role) => `${by} hat Sie als ${role} in das Team von ${portal} eingeladen.`,
  inviteAction: (days) =>
    `Wählen Sie Ihr Passwort mit diesem Link. Er funktioniert einmal und läuft in ${days} Tagen ab.`,
  inviteButton: "Passwort wählen",
  teamPromotedSubject: (portal) => `Sie sind im Team von ${portal}`,
  teamPromoted: (by, role, portal) => `${by} hat Sie zur Rolle ${role} bei ${portal} befördert.`,
  signInAsUsual: "Wie gewohnt anmelden",

  agencyInviteSubject: "Sie sind zum Agentur-Dashboard eingeladen",
  agencyInvite: (by, role) => `${by} hat Sie als ${role} zum Agentur-Dashboard eingeladen.`,

  lockedSubject: (where) => `Ihr Konto bei ${where} ist vorübergehend gesperrt`,
  lockedAgencySubject: "Ihr Konto im Agentur-Dashboard ist vorübergehend gesperrt",
  agencyDashboard: "dem Agentur-Dashboard",
  tenantUnlocker: "eine Administratorin oder einen Administrator des Portals (Verwalten → Team)",
  agencyUnlocker: "eine Inhaberin oder einen Inhaber der Agentur (Agenturnutzer)",
  locked: (where, until) =>
    `Jemand – vielleicht Sie – hat für Ihr Konto bei ${where} mehrmals hintereinander ein falsches Passwort eingegeben. Die Anmeldung mit Passwort ist deshalb bis ${until} pausiert.`,
  lockedAdvice: (unlocker, next) =>
    `Falls Sie es waren: Warten Sie bis dahin oder bitten Sie ${unlocker}, Ihr Konto jetzt zu entsperren. Falls nicht: Diese Versuche waren erfolglos, und solange das Konto gesperrt ist, funktioniert kein Passwort. Wählen Sie am besten ein längeres Passwort. Eine weitere Sperre würde ${next} dauern.`,
  minutes: (n) => `${n} Minuten`,
  hours: (n) => (n === 1 ? "1 Stunde" : `${n} Stunden`),

  guestConfirmSubject: (event) => `Bestätigen Sie Ihre Anmeldung: ${event}`,
  guestConfirm: (event) => `Bestätigen Sie Ihre Anmeldung für ${event} mit diesem Link. Er funktioniert einmal.`,
  guestConfirmButton: "Anmeldung bestätigen",
  ignoreIfNotRegistered: "Wenn Sie sich nicht angemeldet haben, ignorieren Sie diese E-Mail.",

  registeredSubject: (event) => `Sie sind angemeldet: ${event}`,
  registered: (event) => `Ihr Platz bei ${event} ist bestätigt.`,
  ticketButton: "Mein Ticket anzeigen",

  waitlistedSubject: (event) => `Sie stehen auf der Warteliste: ${event}`,
  waitlisted: (event) =>
    `${event} ist ausgebucht, deshalb stehen Sie auf der Warteliste. Wird ein Platz frei, gehört er automatisch Ihnen, und wir schreiben Ihnen.`,

  promotedSubject: (event) => `Ein Platz ist frei geworden: ${event}`,
  promoted: (event) => `Bei ${event} ist ein Platz frei geworden, und er gehört Ihnen.`,

  registrationCancelledSubject: (event) => `Anmeldung storniert: ${event}`,
  registrationCancelled: (event) => `Ihre Anmeldung für ${event} ist storniert, und Ihr Platz wurde freigegeben.`,
  registrationCancelledAgain: "Anders entschieden? Solange Plätze frei sind, können Sie sich erneut anmelden.",
  eventButton: "Zur Veranstaltung",

  eventCancelledSubject: (event) => `Abgesagt: ${event}`,
  eventCancelled: (event) =>
    `Es tut uns leid: ${event} wurde abgesagt. Ihre Anmeldung ist damit hinfällig; Sie müssen nichts weiter tun.`,
  otherEventsButton: "Weitere Veranstaltungen",

  staffSignature: (from, portal) => `— ${from}, für ${portal}`,
};
