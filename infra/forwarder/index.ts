// forwarder/: the forwarder as Azure runs it: its image (prebuilt, or built into a registry the stack
// owns, pushed without an admin user), its Container Apps environment, identity, roles and app, and in
// event mode the Event Grid system topics that feed its queue.
export { BlobEvents } from "./blob-events";
export { ForwarderApp } from "./forwarder-app";
export { ForwarderImage } from "./forwarder-image";
