"""Plays a third-party SOAP client: Python zeep loads the served WSDL and runs config, save, create, get, search.

Usage: python3 zeep_client.py WSDL_URL CONNECTION_GUID; prints one JSON object with what came back.
"""
import json
import sys

import zeep

wsdl_url, guid = sys.argv[1], sys.argv[2]
client = zeep.Client(wsdl_url)
service = client.service
out = {}

config = service.WSGetConfigData()
out["config"] = {"State": config.State, "fields": [f.FieldKey for f in config.FieldMetaDataObjects.FieldMetadataInfoWS]}

info = {"KeyValueOfstringstring": [{"Key": "Dataset", "Value": "demo"}]}
saved = service.WSSaveConnection(ConnectionGuid=guid, ConnectionInfo=info)
out["save"] = {"State": saved.State, "IsOk": saved.IsOk}

tested = service.WSTestConnection(ConnectionGuid=guid)
out["test"] = {"State": tested.State}

created = service.WSCreateActor(
    ConnectionGuid=guid,
    Actor={
        "ActorType": "Customer",
        "ErpKey": "",
        "FieldValues": {"KeyValueOfstringstring": [{"Key": "NAME", "Value": "Zeep & Co AS"}, {"Key": "POSTALCITY", "Value": "Tromsø"}]},
        "LastModified": "",
        "ParentActorType": "Unknown",
        "ParentErpKey": "",
    },
)
out["create"] = {"State": created.State, "ErpKey": created.Actor.ErpKey, "hasLastModified": bool(created.Actor.LastModified)}

fetched = service.WSGetActors(
    ConnectionGuid=guid, ActorType="Customer", ErpKeys={"string": [created.Actor.ErpKey]}, FieldKeys={"string": ["NAME", "POSTALCITY"]}
)
out["created"] = {kv.Key: kv.Value for kv in fetched.Actors.ErpActorWS[0].FieldValues.KeyValueOfstringstring}

actors = service.WSGetActors(
    ConnectionGuid=guid, ActorType="Customer", ErpKeys={"string": ["17"]}, FieldKeys={"string": ["NAME", "POSTALCITY"]}
)
out["get"] = [
    {"ErpKey": a.ErpKey, "values": {kv.Key: kv.Value for kv in a.FieldValues.KeyValueOfstringstring}}
    for a in actors.Actors.ErpActorWS
]

found = service.WSSearchActors(ConnectionGuid=guid, ActorType="Customer", SearchText="TROMSØ", FieldKeys={"string": ["NAME"]})
out["search"] = [a.ErpKey for a in found.Actors.ErpActorWS]

items = service.WSGetList(ConnectionGuid="00000000-0000-0000-0000-000000000000", ListName="CustomerGroup")
out["list"] = [[kv.Key, kv.Value] for kv in items.ListItems.KeyValueOfstringstring]

print(json.dumps(out))
