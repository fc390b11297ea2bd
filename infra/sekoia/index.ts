// sekoia/: the Sekoia.io side: intakes created through Sekoia's configuration API (a dynamic provider
// and its API client), when the stack is given an API key.
export { SekoiaIntakes } from "./sekoia-intakes";
