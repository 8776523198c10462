export { vodPlugin as default } from './plugin';
