"""Translation pairing of the sharded build as tasks (cleaner/sharded/translation.py): a
multilingual corpus with real translations, cut into several shards, buckets and tiles of
documents, gives the in-memory build's bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.build import ShardOptions, build
from cleaner.config import Config
from cleaner.sharded.matching import component_roots
from cleaner.stages.dedup.translate.match import components
from tests.pipeline.test_sharded import tree_digest

STORIES = {
    "harbour": {
        "en": "The city council approved a plan on Tuesday to rebuild the old harbour. The "
              "project will cost about forty million euros and take six years. Fishermen "
              "welcomed the decision but asked for new moorings during the works. The mayor "
              "said the first ships could dock at the new quay in spring.",
        "de": "Der Stadtrat hat am Dienstag einen Plan zum Wiederaufbau des alten Hafens "
              "gebilligt. Das Projekt wird etwa vierzig Millionen Euro kosten und sechs Jahre "
              "dauern. Die Fischer begrüßten die Entscheidung, forderten aber neue Liegeplätze "
              "während der Arbeiten. Der Bürgermeister sagte, die ersten Schiffe könnten im "
              "Frühjahr am neuen Kai anlegen.",
        "fr": "Le conseil municipal a approuvé mardi un plan de reconstruction du vieux port. "
              "Le projet coûtera environ quarante millions d'euros et durera six ans. Les "
              "pêcheurs ont salué la décision mais ont demandé de nouveaux mouillages pendant "
              "les travaux. Le maire a déclaré que les premiers navires pourraient accoster "
              "au nouveau quai au printemps.",
    },
    "library": {
        "en": "The national library will open its reading rooms on Sundays from next month. "
              "Students had collected more than ten thousand signatures for longer opening "
              "hours. The library will hire twelve new staff to cover the weekend shifts. "
              "Its director hopes that families will also come to the children's section.",
        "de": "Die Nationalbibliothek wird ihre Lesesäle ab nächsten Monat auch sonntags "
              "öffnen. Studenten hatten mehr als zehntausend Unterschriften für längere "
              "Öffnungszeiten gesammelt. Die Bibliothek wird zwölf neue Mitarbeiter für die "
              "Wochenendschichten einstellen. Ihre Direktorin hofft, dass auch Familien in "
              "die Kinderabteilung kommen.",
        "fr": "La bibliothèque nationale ouvrira ses salles de lecture le dimanche à partir "
              "du mois prochain. Les étudiants avaient recueilli plus de dix mille signatures "
              "pour des horaires plus longs. La bibliothèque embauchera douze nouveaux "
              "employés pour les équipes du week-end. Sa directrice espère que les familles "
              "viendront aussi dans la section des enfants.",
    },
    "storm": {
        "en": "A violent storm cut power to thirty thousand homes in the north of the country "
              "overnight. Fallen trees blocked several roads and two trains were cancelled. "
              "Emergency services rescued a driver whose car was trapped by flood water. "
              "Electricity should be restored everywhere by Thursday evening.",
        "de": "Ein heftiger Sturm hat in der Nacht dreißigtausend Haushalte im Norden des "
              "Landes vom Strom getrennt. Umgestürzte Bäume blockierten mehrere Straßen und "
              "zwei Züge fielen aus. Rettungskräfte befreiten einen Fahrer, dessen Auto vom "
              "Hochwasser eingeschlossen war. Der Strom soll bis Donnerstagabend überall "
              "wiederhergestellt sein.",
    },
    "museum": {
        "en": "The museum of modern art has bought a painting that was lost for a century. "
              "Experts found it in a private collection after a long search. The picture "
              "shows the river at dawn and will be restored before it is shown. Visitors "
              "will be able to see it from the autumn in the main hall.",
        "fr": "Le musée d'art moderne a acheté un tableau disparu depuis un siècle. Des "
              "experts l'ont retrouvé dans une collection privée après de longues "
              "recherches. L'œuvre montre la rivière à l'aube et sera restaurée avant d'être "
              "exposée. Les visiteurs pourront la voir dès l'automne dans la grande salle.",
    },
}

DISTRACTORS = {
    "en": ["The local football club lost its third match in a row on Saturday. The coach "
           "blamed injuries and promised changes before the derby next week.",
           "A new bakery has opened near the railway station. It sells bread made with old "
           "varieties of wheat and closes every day at two in the afternoon."],
    "de": ["Die Preise für Gemüse sind im Winter stark gestiegen. Händler erklären das mit "
           "den hohen Kosten für die Beheizung der Gewächshäuser.",
           "Ein Chor aus der Stadt hat einen internationalen Wettbewerb gewonnen. Die Sänger "
           "probten ein Jahr lang zweimal pro Woche."],
    "fr": ["Le festival de jazz accueillera cette année quarante groupes venus de douze "
           "pays. Les concerts auront lieu dans les jardins du château."],
}


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, versions in STORIES.items():
        for lang, text in versions.items():
            (folder / f"{name}-{lang}.txt").write_text(text + "\n", encoding="utf-8")
    for lang, texts in DISTRACTORS.items():
        for n, text in enumerate(texts):
            (folder / f"other-{lang}-{n}.txt").write_text(text + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("multilingual") / "in")


@pytest.fixture
def small_tiles(monkeypatch: pytest.MonkeyPatch) -> int:
    """Tiles of 3 documents (both builds): the candidates merge over several tiles, scores
    read neighbour lists of other tiles."""
    monkeypatch.setattr("cleaner.stages.dedup.translate.index.TILE", 3)
    monkeypatch.setattr("cleaner.sharded.translation.SCORE_CHUNK", 4)  # scored 4 at a time
    return 3


@pytest.mark.parametrize(("shard_files", "buckets", "workers"), [(2, 3, 1), (5, 2, 2)])
def test_sharded_translation_tasks_give_the_in_memory_bytes(corpus, small_tiles, tmp_path,
                                                            shard_files, buckets, workers):
    memory = build(Config(), [corpus], tmp_path / "memory", workers=1)
    pairs = memory.state.stats["translation"].counters
    # Real pairs in three language pairs, of stories in two and three languages.
    assert sum(v for k, v in pairs.items() if k.startswith("pairs:")) >= 6
    assert memory.removed["translation"] >= 6
    options = ShardOptions(work_dir=tmp_path / "work", shard_files=shard_files,
                           buckets=buckets)
    sharded = build(Config(), [corpus], tmp_path / "sharded", workers=workers,
                    sharded=options)
    assert tree_digest(sharded.write.path) == tree_digest(memory.write.path)
    assert sharded.sizes["translation_tiles"] >= 5
    assert sharded.sizes["tasks:translation candidates"] == sharded.sizes["translation_tiles"]
    # A story in three languages is one component; components are matched per bucket.
    assert sharded.sizes["largest_translation_component"] >= 3
    assert sharded.sizes["tasks:translation match"] == buckets


@pytest.mark.parametrize("seed", range(5))
def test_component_roots_name_the_components_of_match(seed: int) -> None:
    import random

    import numpy as np

    rng = random.Random(seed)
    edges = [(rng.randrange(60), rng.randrange(60)) for _ in range(50)]
    roots = component_roots(np.array([a for a, _ in edges]), np.array([b for _, b in edges]))
    expected = {node: members[0] for members in components(edges) for node in members}
    assert roots.tolist() == [expected[a] for a, _ in edges]
