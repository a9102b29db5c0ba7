import type { MailStrings } from "./types.ts";

export const fr: MailStrings = {
  intl: "fr-FR",
  greeting: (name) => `Bonjour ${name},`,
  greetingAnonymous: "Bonjour,",
  greetingWords: ["bonjour", "bonsoir", "salut", "cher", "chère", "madame", "monsieur", "coucou"],
  ignoreIfNotYou: "Si vous n’attendiez pas cet e-mail, vous pouvez l’ignorer.",
  footer: (portal) => `Envoyé par ${portal}.`,
  when: "Quand",
  where: "Où",
  online: "En ligne",
  joinLink: "Lien pour rejoindre",
  calendarIntro: "Ajoutez-le à votre agenda :",
  addToGoogle: "Google Agenda",
  addToOutlook: "Outlook",
  icsAttached: "Le fichier .ics joint fonctionne avec Apple Calendrier et la plupart des autres agendas.",

  signInSubject: (portal) => `Votre lien de connexion à ${portal}`,
  signInIntro: (portal, minutes) =>
    `Utilisez ce lien pour vous connecter à ${portal}. Il ne fonctionne qu’une fois et expire dans ${minutes} minutes.`,
  signInButton: "Se connecter",

  resetSubject: (portal) => `Réinitialisez votre mot de passe pour ${portal}`,
  resetIntro: (portal, minutes) =>
    `Quelqu’un a demandé à réinitialiser le mot de passe de votre compte sur ${portal}. Choisissez-en un nouveau avec ce lien. Il fonctionne une fois et expire dans ${minutes} minutes ; tous les appareils connectés à votre compte sont alors déconnectés.`,
  resetButton: "Choisir un nouveau mot de passe",
  resetNotAsked: "Si vous n’avez rien demandé, ignorez cet e-mail : votre mot de passe reste le même.",

  emailChangeSubject: (portal) => `Confirmez votre nouvelle adresse e-mail pour ${portal}`,
  emailChangeIntro: (portal, address, hours) =>
    `Confirmez que ${address} est la nouvelle adresse e-mail de votre compte sur ${portal}. Le lien fonctionne une fois et expire dans ${hours} heures ; d’ici là, votre compte garde son ancienne adresse.`,
  emailChangeButton: "Confirmer cette adresse",
  emailChangeNoticeSubject: (portal) => `Votre adresse e-mail sur ${portal} va changer`,
  emailChangeNotice: (portal, address) =>
    `Une personne connectée à votre compte sur ${portal} a demandé à remplacer son adresse e-mail par ${address}. Rien ne change tant que cette adresse ne l’a pas confirmé.`,
  emailChangeNoticeAdvice:
    "Si ce n’était pas vous, connectez-vous, changez tout de suite votre mot de passe et mettez fin, sur la page de votre compte, aux sessions que vous ne reconnaissez pas.",

  inviteSubject: (portal) => `Vous êtes invité·e sur ${portal}`,
  inviteFirstAdmin: (portal) =>
    `Votre portail ${portal} est prêt et vous en êtes le premier administrateur ou la première administratrice.`,
  roleName: (role) =>
    ({ owner: "propriétaire", admin: "administrateur·rice", staff: "membre de l’équipe", member: "membre" })[role] ??
    role,
  inviteTeam: (by, portal, role) => `${by} vous a invité·e dans l’équipe de ${portal} en tant que ${role}.`,
  inviteAction: (days) =>
    `Choisissez votre mot de passe avec ce lien. Il ne fonctionne qu’une fois et expire dans ${days} jours.`,
  inviteButton: "Choisir mon mot de passe",
  teamPromotedSubject: (portal) => `Vous faites partie de l’équipe de ${portal}`,
  teamPromoted: (by, role, portal) => `${by} vous a donné le rôle ${role} sur ${portal}.`,
  signInAsUsual: "Se connecter comme d’habitude",

  agencyInviteSubject: "Vous êtes invité·e au tableau de bord de l’agence",
  agencyInvite: (by, role) => `${by} vous a invité·e au tableau de bord de l’agence en tant que ${role}.`,

  lockedSubject: (where) => `Votre compte ${where} est bloqué pour un moment`,
  lockedAgencySubject: "Votre compte du tableau de bord de l’agence est bloqué pour un moment",
  agencyDashboard: "le tableau de bord de l’agence",
  tenantUnlocker: "un administrateur du portail (Gérer → Équipe)",
  agencyUnlocker: "un propriétaire de l’agence (Utilisateurs de l’agence)",
  locked: (where, until) =>
    `Quelqu’un — peut-être vous — a saisi plusieurs fois de suite un mauvais mot de passe pour votre compte sur ${where}. La connexion par mot de passe est donc suspendue jusqu’au ${until}.`,
  lockedAdvice: (unlocker, next) =>
    `Si c’était vous : attendez jusque-là, ou demandez à ${unlocker} de débloquer votre compte dès maintenant. Sinon : ces tentatives ont échoué, et aucun mot de passe ne fonctionne tant que le compte est bloqué. Pensez à choisir un mot de passe plus long. Un nouveau blocage durerait ${next}.`,
  minutes: (n) => `${n} minutes`,
  hours: (n) => (n === 1 ? "1 heure" : `${n} heures`),

  guestConfirmSubject: (event) => `Confirmez votre inscription : ${event}`,
  guestConfirm: (event) => `Confirmez votre inscription à ${event} avec ce lien. Il ne fonctionne qu’une fois.`,
  guestConfirmButton: "Confirmer mon inscription",
  ignoreIfNotRegistered: "Si vous ne vous êtes pas inscrit·e, ignorez cet e-mail.",

  registeredSubject: (event) => `Vous êtes inscrit·e : ${event}`,
  registered: (event) => `Votre place pour ${event} est confirmée.`,
  ticketButton: "Voir mon billet",

  waitlistedSubject: (event) => `Vous êtes sur la liste d’attente : ${event}`,
  waitlisted: (event) =>
    `${event} est complet : vous êtes sur la liste d’attente. Si une place se libère, elle vous revient automatiquement et nous vous écrirons.`,

  promotedSubject: (event) => `Une place s’est libérée : ${event}`,
  promoted: (event) => `Une place s’est libérée pour ${event} et elle est à vous.`,

  registrationCancelledSubject: (event) => `Inscription annulée : ${event}`,
  registrationCancelled: (event) => `Votre inscription à ${event} est annulée et votre place a été libérée.`,
  registrationCancelledAgain: "Vous avez changé d’avis ? Vous pouvez vous réinscrire tant qu’il reste des places.",
  eventButton: "Voir l’événement",

  eventCancelledSubject: (event) => `Annulé : ${event}`,
  eventCancelled: (event) =>
    `Nous sommes désolés : ${event} a été annulé. Votre inscription est caduque ; vous n’avez rien d’autre à faire.`,
  otherEventsButton: "Voir les autres événements",

  staffSignature: (from, portal) => `— ${from}, pour ${portal}`,
};
