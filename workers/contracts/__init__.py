"""Contracts as data: Avro schemas, the Confluent wire format, schema ids and the topic catalogue."""

from workers.contracts.schemas import SchemaSet, load_schema_set
from workers.contracts.serde import AvroSerde
from workers.contracts.topics import TopicCatalog, TopicSpec, load_topic_catalog

__all__ = [
    "AvroSerde",
    "SchemaSet",
    "TopicCatalog",
    "TopicSpec",
    "load_schema_set",
    "load_topic_catalog",
]
