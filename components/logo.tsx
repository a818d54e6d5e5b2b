export function Logo() {
  return (
    <svg width="32" height="32" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="#2855e0" />
      <path d="M8 21h4v-5h4v-5h4V7" fill="none" stroke="#fff" strokeWidth="2.5" strokeLinecap="round" strokeLinejoin="round" />
      <circle cx="24" cy="7" r="2.5" fill="#a5c0ff" />
    </svg>
  );
}
