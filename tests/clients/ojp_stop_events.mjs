// The Swiss national OJP service's SDK (ojp-sdk-next) against a custom URL: a stop event
// request and a location search; prints what the SDK parsed, as JSON, for the test to compare.
import * as OJP from 'ojp-sdk-next';

const [url, stop, at, name] = process.argv.slice(2);
const sdk = OJP.SDK.create('abfahrt-test', { url, authToken: null }, 'de');
const events = sdk.requests.StopEventRequest.initWithPlaceRefAndDate(stop, new Date(at));
const eventsAnswer = await events.fetchResponse(sdk);
const places = sdk.requests.LocationInformationRequest.initWithLocationName(name, ['stop'], 5);
const placesAnswer = await places.fetchResponse(sdk);
if (!eventsAnswer.ok || !placesAnswer.ok) {
  console.error(String(eventsAnswer.error ?? placesAnswer.error));
  process.exit(1);
}
const results = eventsAnswer.value.stopEventResult ?? [];
console.log(JSON.stringify({
  events: results.map((r) => ({
    trip: r.stopEvent.service.journeyRef,
    line: r.stopEvent.service.publishedServiceName.text,
    destination: r.stopEvent.service.destinationText?.text ?? null,
    timetabled: r.stopEvent.thisCall.callAtStop.serviceDeparture.timetabledTime,
    estimated: r.stopEvent.thisCall.callAtStop.serviceDeparture.estimatedTime ?? null,
  })),
  places: (placesAnswer.value.placeResult ?? []).map((p) => p.place.name.text),
}));
