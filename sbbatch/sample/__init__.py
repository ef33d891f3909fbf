"""A seeded synthetic Jinan world (样例数据): units, persons, insured periods, wage bases.

:func:`generate` builds, from a seed, a world of employers (单位), persons (人员), their
insured periods (参保, one row per insurance) and monthly wage bases (缴费工资). Every frame
has exactly the columns and dtypes of the workspace table of the same name
(``schemas/ddl/``), so
:meth:`SampleWorld.load_into` fills a :class:`~sbbatch.store.Workspace` directly.
:func:`write_sample` and :func:`read_sample` keep a world as UTF-8 CSV files; the example
under ``sample_data/world/`` is ``generate()`` with the defaults.

What the world looks like:

- Units: mostly enterprises (企业), one public institution (事业单位) and an individual
  business (个体工商户) among the first five, a 人力资源 company whose staff are partly
  attached (挂靠); realistic names, 10-digit unit numbers, risk classes 1-8, mixed payment
  methods (缴费方式), a Jinan district each.
- Persons: valid 18-digit ID numbers (check character from :func:`sbbatch.ids.check_char`)
  whose address code, birth date and gender parity match the person; birth dates weighted
  to working ages; ~74% registered in Jinan, the others elsewhere in Shandong or in other
  provinces (外地); names, ethnicity, phone, hukou, address, 用工形式, 个人身份 and the date
  they started work.
- Insured periods: one or two employment spells per person, never overlapping (nobody is
  insured in two units at once), opened with 111/121/141; about 12% have left (减员),
  those who reached the statutory retirement age (:meth:`sbbatch.policy.Policy.retirement_month`)
  left with 251 in-world, and one person in 50 is within six months of retirement at
  ``last_month``. The insurances of a period follow its 人员类别
  (``schemas/policy/jinan/category_insurances.csv``).
- Wage bases: one row per insured month, log-normal-ish by unit and person, raised each
  January, rounded to whole yuan or 10 yuan as HR systems do; some are below the
  provincial floor and some above the ceiling.

The word lists (surnames, given names, regions, streets, unit kinds) are CSV files under
``schemas/sample/``. Everything is vectorised: a million persons take seconds.

Randomness is counter-based: every draw is a 32-bit integer hash (lowbias32) of the seed,
a stream name and the row's keys (person, unit, spell), computed with exact UInt64
arithmetic on whole columns. Unlike ``Expr.hash`` its values are the same in every polars
version, so the committed example does not drift on an upgrade; and a draw does not
depend on the order in which rows or columns are computed.

The package: ``_tuning`` (schemas, shares and weights), ``_random`` (counter-based
draws, word lists, months), ``_people`` (units and persons), ``_spells`` (spells,
insured periods, wages) and ``_world`` (:class:`SampleWorld`, :func:`generate`, CSV).
"""

from sbbatch.sample._tuning import SCHEMAS
from sbbatch.sample._world import SampleWorld, generate, read_sample, write_sample

__all__ = ["SCHEMAS", "SampleWorld", "generate", "read_sample", "write_sample"]
