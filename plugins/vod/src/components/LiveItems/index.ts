export { LiveItems } from './LiveItems';
