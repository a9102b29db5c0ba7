/**
 * Every sentence the emails use, per locale. A locale file is typed `MailStrings`, so a missing
 * or misspelt key fails the typecheck instead of sending English (or nothing) to a reader.
 */
export type MailLocale = "en" | "de" | "fr";

export const MAIL_LOCALES: readonly MailLocale[] = ["en", "de", "fr"];

export interface MailStrings {
  /** The locale's BCP 47 tag for Intl date formatting. */
  intl: string;
  greeting: (name: string) => string;
  greetingAnonymous: string;
  /** Words that open a greeting, so a staff message that greets is not greeted twice. */
  greetingWords: readonly string[];
  ignoreIfNotYou: string;
  footer: (portal: string) => string;
  when: string;
  where: string;
  online: string;
  joinLink: string;
  calendarIntro: string;
  addToGoogle: string;
  addToOutlook: string;
  icsAttached: string;

  signInSubject: (portal: string) => string;
  signInIntro: (portal: string, minutes: number) => string;
  signInButton: string;

  resetSubject: (portal: string) => string;
  resetIntro: (portal: string, minutes: number) => string;
  resetButton: string;
  resetNotAsked: string;

  emailChangeSubject: (portal: string) => string;
  emailChangeIntro: (portal: string, address: string, hours: number) => string;
  emailChangeButton: string;
  emailChangeNoticeSubject: (portal: string) => string;
  emailChangeNotice: (portal: string, address: string) => string;
  emailChangeNoticeAdvice: string;

  inviteSubject: (portal: string) => string;
  inviteFirstAdmin: (portal: string) => string;
  /** A portal role (owner, admin, staff, member) as the sentences below use it; others unchanged. */
  roleName: (role: string) => string;
  inviteTeam: (by: string, portal: string, role: string) => string;
  inviteAction: (days: number) => string;
  inviteButton: string;
  teamPromotedSubject: (portal: string) => string;
  teamPromoted: (by: string, role: string, portal: string) => string;
  signInAsUsual: string;

  agencyInviteSubject: string;
  agencyInvite: (by: string, role: string) => string;

  lockedSubject: (portal: string) => string;
  lockedAgencySubject: string;
  /** The agency dashboard as a place, for "…your account on ___". */
  agencyDashboard: string;
  tenantUnlocker: string;
  agencyUnlocker: string;
  locked: (where: string, until: string) => string;
  lockedAdvice: (unlocker: string, next: string) => string;
  minutes: (n: number) => string;
  hours: (n: number) => string;

  guestConfirmSubject: (event: string) => string;
  guestConfirm: (event: string) => string;
  guestConfirmButton: string;
  ignoreIfNotRegistered: string;

  registeredSubject: (event: string) => string;
  registered: (event: string) => string;
  ticketButton: string;

  waitlistedSubject: (event: string) => string;
  waitlisted: (event: string) => string;

  promotedSubject: (event: string) => string;
  promoted: (event: string) => string;

  registrationCancelledSubject: (event: string) => string;
  registrationCancelled: (event: string) => string;
  registrationCancelledAgain: string;
  eventButton: string;

  eventCancelledSubject: (event: string) => string;
  eventCancelled: (event: string) => string;
  otherEventsButton: string;

  staffSignature: (from: string, portal: string) => string;
}
