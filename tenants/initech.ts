import { defineTenant } from "../lib/provisioning/spec.ts";
import { DEMO_PASSWORD } from "./demo-password.ts";

export default defineTenant({
  slug: "initech",
  name: "Initech University",
  plan: "starter",
  theme: {
    primary: "#6d28d9",
    accent: "#f472b6",
    background: "#faf5ff",
    surface: "#ffffff",
    text: "#2e1065",
    font: "rounded",
    logo: { src: "/brand/initech.svg", alt: "Initech University" },
  },
  domains: [],
  // Invited by email when the tenant is created by `npm start` (no demo users there).
  owner: { email: "dean@initech.example", name: "Dana Dean" },
  demo: {
    users: [{ email: "dean@initech.example", name: "Dana Dean", role: "owner", password: DEMO_PASSWORD }],
    events: [
      {
        slug: "open-day",
        title: "Open Day",
        summary: "Meet the faculty, tour the campus, ask anything.",
        startsInDays: 9,
        startHourUtc: 9,
        durationHours: 5,
        timeZone: "Europe/London",
        venue: "Main Campus",
        capacity: 300,
      },
      {
        slug: "data-science-bootcamp",
        title: "Data Science Bootcamp",
        summary: "Five evenings from spreadsheets to models.",
        startsInDays: 21,
        startHourUtc: 18,
        durationHours: 3,
        timeZone: "Europe/London",
        venue: "Room 2.14",
        capacity: 30,
      },
      {
        slug: "alumni-evening",
        title: "Alumni Evening",
        summary: "Drinks and talks with graduates of the last ten years.",
        startsInDays: 35,
        startHourUtc: 19,
        durationHours: 3,
        timeZone: "Europe/London",
        venue: "The Old Library",
        capacity: 80,
      },
    ],
  },
});
