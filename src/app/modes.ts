export type Mode = 'kiosk' | 'field' | 'rm';
