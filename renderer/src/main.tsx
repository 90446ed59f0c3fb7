import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { initTheme } from './app/theme';
import { getBridge } from './bridge';
import { useLanguage } from './i18n';
import './styles.css';

initTheme();
document.documentElement.lang = useLanguage.getState().language;
getBridge();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
