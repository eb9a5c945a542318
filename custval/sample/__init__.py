"""Synthetic, fictional sample data: a distributor's customers, orders, surveys and market.

A distributor of office products sells to individuals (个人) and enterprises (企业) in seven
regions of China. Every table of the data contract is generated from seeded numpy generators, so
the same arguments give byte-identical files. The structure an analysis should find is planted on
purpose and recorded in ``Sample.truth``: four customer archetypes with their own BG/NBD and
Gamma-Gamma processes, regions growing at different rates, categories with very different
margins, late-paying enterprises, survey drivers of satisfaction, Kano categories, competitor
profiles and a handful of data problems in the CSV export.

All names (people, companies, brands) are invented. The modules follow the generator's sections:
``constants`` (the planted structure), ``draws`` (random streams), ``customers`` (customers and
purchases), ``frames`` (the contract tables), ``survey`` (survey waves, Kano, positioning),
``market`` (market sales, PEST/SWOT factors), ``csv_export`` (planted data problems, CSV text) and
``generator`` (``generate``, ``write_sample``, ``Sample``).
"""

from custval.sample.generator import Sample, generate, write_sample

__all__ = ["Sample", "generate", "write_sample"]
