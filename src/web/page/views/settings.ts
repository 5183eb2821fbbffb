// Placeholder until its owner writes it.
import type { View } from '../lib/view.ts';
export const settingsView: View = (root) => {
  root.textContent = 'settings';
};
