// Small line icons (inline SVG, so they look the same on every system and follow the text colour).
const base = {
  width: 16,
  height: 16,
  viewBox: '0 0 16 16',
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 1.6,
  strokeLinecap: 'round' as const,
  strokeLinejoin: 'round' as const,
  'aria-hidden': true,
};

export const PlayIcon = () => (
  <svg {...base}>
    <path d="M4.5 3.2v9.6L12.5 8z" fill="currentColor" stroke="none" />
  </svg>
);

export const TagIcon = () => (
  <svg {...base}>
    <path d="M2.5 2.5h5.2l5.8 5.8-5.2 5.2-5.8-5.8z" />
    <circle cx="5.4" cy="5.4" r="1" fill="currentColor" stroke="none" />
  </svg>
);

export const TrashIcon = () => (
  <svg {...base}>
    <path d="M2.8 4.2h10.4M6.3 4.2V2.8h3.4v1.4M4.2 4.2l.7 9h6.2l.7-9M6.8 6.6v4.4M9.2 6.6v4.4" />
  </svg>
);

export const UploadIcon = () => (
  <svg {...base}>
    <path d="M8 10.5V2.8M4.8 5.8 8 2.6l3.2 3.2M2.8 10.5v2.7h10.4v-2.7" />
  </svg>
);

export const DownloadIcon = () => (
  <svg {...base}>
    <path d="M8 2.6v7.7M4.8 7.3 8 10.5l3.2-3.2M2.8 10.5v2.7h10.4v-2.7" />
  </svg>
);

export const BroomIcon = () => (
  <svg {...base}>
    <path d="M10.8 2.2 7.6 7.4M4.4 7.6l5.6 3.2M4.4 7.6c-1.2 2-2 3.8-1.8 6.2 2.4 0 4.4-1 5.4-3M6 11.6l1.2-2" />
  </svg>
);
