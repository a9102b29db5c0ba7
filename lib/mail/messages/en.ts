import type { MailStrings } from "./types.ts";

export const en: MailStrings = {
  intl: "en-GB",
  greeting: (name) => `Hello ${name},`,
  greetingAnonymous: "Hello,",
  greetingWords: ["hello", "hi", "hey", "dear", "good morning", "good afternoon", "good evening"],
  ignoreIfNotYou: "If you were not expecting this email, you can ignore it.",
  footer: (portal) => `Sent by ${portal}.`,
  when: "When",
  where: "Where",
  online: "Online",
  joinLink: "Join link",
  calendarIntro: "Add it to your calendar:",
  addToGoogle: "Google Calendar",
  addToOutlook: "Outlook",
  icsAttached: "The attached .ics file works with Apple Calendar and most other calendars.",

  signInSubject: (portal) => `Your sign-in link for ${portal}`,
  signInIntro: (portal, minutes) =>
    `Use this link to sign in to ${portal}. It works once and expires in ${minutes} minutes.`,
  signInButton: "Sign in",

  resetSubject: (portal) => `Reset your password for ${portal}`,
  resetIntro: (portal, minutes) =>
    `Someone asked to reset the password of your account on ${portal}. Choose a new one with this link. It works once and expires in ${minutes} minutes; every device signed in to your account is signed out when you use it.`,
  resetButton: "Choose a new password",
  resetNotAsked: "If you did not ask for this, ignore this email: your password stays as it is.",

  emailChangeSubject: (portal) => `Confirm your new email address for ${portal}`,
  emailChangeIntro: (portal, address, hours) =>
    `Confirm that ${address} is the new email address of your account on ${portal}. The link works once and expires in ${hours} hours; until then, your account keeps its old address.`,
  emailChangeButton: "Confirm this address",
  emailChangeNoticeSubject: (portal) => `Your email address on ${portal} is being changed`,
  emailChangeNotice: (portal, address) =>
    `Someone signed in to your account on ${portal} asked to change its email address to ${address}. Nothing changes until that address confirms it.`,
  emailChangeNoticeAdvice:
    "If this was not you, sign in and change your password now, and end the sessions you do not recognise on your account page.",

  inviteSubject: (portal) => `You are invited to ${portal}`,
  inviteFirstAdmin: (portal) => `Your portal ${portal} is ready and you are its first administrator.`,
  roleName: (role) => role,
  inviteTeam: (by, portal, role) => `${by} invited you to the team of ${portal} as ${role}.`,
  inviteAction: (days) => `Choose your password with this link. It works once and expires in ${days} days.`,
  inviteButton: "Choose your password",
  teamPromotedSubject: (portal) => `You're on the team of ${portal}`,
  teamPromoted: (by, role, portal) => `${by} made you ${role} of ${portal}.`,
  signInAsUsual: "Sign in as usual",

  agencyInviteSubject: "You are invited to the agency dashboard",
  agencyInvite: (by, role) => `${by} invited you to the agency dashboard as ${role}.`,

  lockedSubject: (where) => `Your ${where} account is locked for a while`,
  lockedAgencySubject: "Your agency dashboard account is locked for a while",
  agencyDashboard: "the agency dashboard",
  tenantUnlocker: "an admin of the portal (Manage → Team)",
  agencyUnlocker: "an agency owner (Agency users)",
  locked: (where, until) =>
    `Someone — perhaps you — entered a wrong password for your account on ${where} several times in a row, so signing in with a password is paused until ${until}.`,
  lockedAdvice: (unlocker, next) =>
    `If it was you: wait until then, or ask ${unlocker} to unlock your account now. If it was not you: those attempts did not get in, and no password works while the account is locked. Consider choosing a longer password. A further lockout would last ${next}.`,
  minutes: (n) => `${n} minutes`,
  hours: (n) => (n === 1 ? "1 hour" : `${n} hours`),

  guestConfirmSubject: (event) => `Confirm your registration: ${event}`,
  guestConfirm: (event) => `Confirm your registration for ${event} with this link. It works once.`,
  guestConfirmButton: "Confirm my registration",
  ignoreIfNotRegistered: "If you did not register, ignore this email.",

  registeredSubject: (event) => `You're registered: ${event}`,
  registered: (event) => `Your place at ${event} is confirmed.`,
  ticketButton: "Show my ticket",

  waitlistedSubject: (event) => `You're on the waitlist: ${event}`,
  waitlisted: (event) =>
    `${event} is full, so you are on the waitlist. If a place frees up it is yours automatically and we will email you.`,

  promotedSubject: (event) => `A place opened up: ${event}`,
  promoted: (event) => `A place at ${event} opened up and it is yours.`,

  registrationCancelledSubject: (event) => `Registration cancelled: ${event}`,
  registrationCancelled: (event) => `Your registration for ${event} is cancelled and your place has been released.`,
  registrationCancelledAgain: "Changed your mind? You can register again while places are left.",
  eventButton: "View the event",

  eventCancelledSubject: (event) => `Cancelled: ${event}`,
  eventCancelled: (event) =>
    `We are sorry: ${event} has been cancelled. Your registration is void; nothing else is needed from you.`,
  otherEventsButton: "See other events",

  staffSignature: (from, portal) => `— ${from}, for ${portal}`,
};
