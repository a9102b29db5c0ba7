import { defineTenant } from "../lib/provisioning/spec.ts";
import { DEMO_PASSWORD } from "./demo-password.ts";

export default defineTenant({
  slug: "acme",
  name: "Acme Pharma Academy",
  plan: "premium",
  theme: {
    primary: "#c2410c",
    accent: "#facc15",
    background: "#fff7ed",
    surface: "#ffffff",
    text: "#1c1917",
    font: "sans",
    logo: { src: "/brand/acme.svg", alt: "Acme Pharma Academy" },
  },
  domains: ["learn.acme.localhost"],
  // Invited by email when the tenant is created by `npm start` (no demo users there).
  owner: { email: "owner@acme.example", name: "Ada Acme" },
  demo: {
    users: [
      { email: "owner@acme.example", name: "Ada Acme", role: "owner", password: DEMO_PASSWORD },
      { email: "sam@acme.example", name: "Sam Staff", role: "staff", password: DEMO_PASSWORD },
    ],
    events: [
      {
        slug: "gmp-refresher",
        title: "GMP Refresher for Site Leads",
        summary: "Half a day on good manufacturing practice changes this year.",
        description:
          "A practical walk through this year's GMP changes, with case studies from three sites.\n\nBring your latest audit findings.",
        startsInDays: 6,
        startHourUtc: 8,
        durationHours: 4,
        timeZone: "Europe/Berlin",
        venue: "Acme Campus, Hall B",
        capacity: 40,
      },
      {
        slug: "pharmacovigilance-101",
        title: "Pharmacovigilance 101",
        summary: "Reporting adverse events correctly, first time.",
        startsInDays: 13,
        startHourUtc: 13,
        durationHours: 2,
        timeZone: "Europe/Berlin",
        venue: "Online",
        capacity: 200,
      },
      {
        slug: "lab-safety-day",
        title: "Lab Safety Day",
        summary: "Hands-on drills for new laboratory staff.",
        startsInDays: 27,
        durationHours: 6,
        timeZone: "Europe/Berlin",
        venue: "Acme Campus, Lab 4",
        capacity: 24,
      },
      { slug: "internal-draft", title: "Draft: Q3 planning", startsInDays: 40, status: "draft" },
    ],
  },
});
