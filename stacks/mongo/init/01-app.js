// Runs once, when the mongo-data volume is new, against $MONGO_INITDB_DATABASE (`app`).
// Add your own *.js or *.sh files here; they run in name order. `make clean` resets the data.
db.createCollection("events");
db.events.createIndex({ ts: 1 });
db.events.insertOne({ ts: new Date(), kind: "hello", source: "hoist init mongo" });
