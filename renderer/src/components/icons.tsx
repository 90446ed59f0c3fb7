// Small stroke icons shared by every page (inline SVG, currentColor), so buttons look the same on
// every system's fonts.
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
    <path d="M4.5 3v10l8-5z" fill="currentColor" />
  </svg>
);
export const StopIcon = () => (
  <svg {...base}>
    <rect x="4" y="4" width="8" height="8" rx="1" fill="currentColor" />
  </svg>
);
export const PauseIcon = () => (
  <svg {...base}>
    <path d="M5.5 3.5v9M10.5 3.5v9" />
  </svg>
);
export const RestartIcon = () => (
  <svg {...base}>
    <path d="M13 8a5 5 0 1 1-1.5-3.6M13 2.5v2.5h-2.5" />
  </svg>
);
export const TrashIcon = () => (
  <svg {...base}>
    <path d="M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.6 8.5h5.8l.6-8.5M7 7v4M9 7v4" />
  </svg>
);
export const FolderIcon = () => (
  <svg {...base}>
    <path d="M2 4.5h4l1.5 1.5H14v6.5H2z" />
  </svg>
);
export const FileIcon = () => (
  <svg {...base}>
    <path d="M4 2h5.5L12 4.5V14H4zM9.5 2v2.5H12" />
  </svg>
);
export const LinkIcon = () => (
  <svg {...base}>
    <path d="M6.5 9.5l3-3M7 4.5l1-1a2.5 2.5 0 0 1 3.5 3.5l-1 1M9 11.5l-1 1a2.5 2.5 0 0 1-3.5-3.5l1-1" />
  </svg>
);
export const DownloadIcon = () => (
  <svg {...base}>
    <path d="M8 2.5v8M4.5 7L8 10.5 11.5 7M3 13.5h10" />
  </svg>
);
export const TagIcon = () => (
  <svg {...base}>
    <path d="M2.5 2.5h5.2l5.8 5.8-5.2 5.2-5.8-5.8z" />
    <circle cx="5.4" cy="5.4" r="1" fill="currentColor" stroke="none" />
  </svg>
);
export const UploadIcon = () => (
  <svg {...base}>
    <path d="M8 10.5V2.8M4.8 5.8 8 2.6l3.2 3.2M2.8 10.5v2.7h10.4v-2.7" />
  </svg>
);
export const BroomIcon = () => (
  <svg {...base}>
    <path d="M10.8 2.2 7.6 7.4M4.4 7.6l5.6 3.2M4.4 7.6c-1.2 2-2 3.8-1.8 6.2 2.4 0 4.4-1 5.4-3M6 11.6l1.2-2" />
  </svg>
);
export const OtherIcon = () => (
  <svg {...base}>
    <circle cx="8" cy="8" r="4.7" />
  </svg>
);
