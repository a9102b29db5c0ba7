import { defineTenant } from "../lib/provisioning/spec.ts";
import { DEMO_PASSWORD } from "./demo-password.ts";

export default defineTenant({
  slug: "globex",
  name: "Globex Capital Forum",
  plan: "standard",
  theme: {
    primary: "#0f2a4a",
    accent: "#10b981",
    background: "#f1f5f9",
    surface: "#ffffff",
    text: "#0b1220",
    font: "serif",
    logo: { src: "/brand/globex.svg", alt: "Globex Capital Forum" },
  },
  domains: ["portal.globex.localhost"],
  // Invited by email when the tenant is created by `npm start` (no demo users there).
  owner: { email: "owner@globex.example", name: "Gil Globex" },
  demo: {
    users: [{ email: "owner@globex.example", name: "Gil Globex", role: "owner", password: DEMO_PASSWORD }],
    events: [
      {
        slug: "rate-outlook",
        title: "Interest Rate Outlook 2027",
        summary: "Our chief economist on the year ahead, followed by Q&A.",
        startsInDays: 4,
        startHourUtc: 17,
        durationHours: 1.5,
        timeZone: "America/New_York",
        venue: "Globex Tower, Floor 40",
        capacity: 120,
      },
      {
        slug: "compliance-briefing",
        title: "Quarterly Compliance Briefing",
        summary: "What changed in reporting obligations this quarter.",
        startsInDays: 18,
        startHourUtc: 15,
        durationHours: 1,
        timeZone: "America/New_York",
        venue: "Online",
        capacity: 500,
      },
    ],
  },
});
