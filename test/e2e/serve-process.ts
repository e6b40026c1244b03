export { startServe, type ServeProcess } from '@datanet/pipelines/testing';
